"""The knowledge base without Flask: analyzers, the Whoosh index, search, Markdown and file transfer.

The application keeps articles in its database and calls this package to render them, to keep the
search index (a disposable cache of the published articles) in step, and to search it.
"""
