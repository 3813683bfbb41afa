"""Ticket attachments: the files on disk (store), what a file is (types) and the rows on messages (files)."""
