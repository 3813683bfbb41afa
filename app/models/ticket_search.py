"""Full-text search over tickets' subjects and messages, kept by the database in the same
transaction as every write (triggers on SQLite, expression indexes on PostgreSQL).

SQLite: two FTS5 tables over external content (the text is not stored twice), rowid = the
ticket's or the message's id, kept in step by triggers on insert, update and delete.
PostgreSQL: GIN indexes on to_tsvector('simple', …) of the same columns.

The same DDL runs from `db.create_all()` (tests, the bench) and from the migration, so both give
the same schema; Alembic's comparison ignores these objects (SEARCH_OBJECTS)."""

from __future__ import annotations

from sqlalchemy import DDL, event

from app.models.ticket import Ticket, TicketMessage

SEARCH_OBJECTS = ("ticket_subject_search", "ticket_message_search", "ix_tickets_subject_fts",
                  "ix_ticket_messages_body_fts")

# unicode61 with diacritics folded: "café" finds "cafe"; prefix indexes for search-as-you-type.
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'"

_SUBJECT_OUT = ("INSERT INTO ticket_subject_search(ticket_subject_search, rowid, subject) "
                "VALUES ('delete', old.id, old.subject); ")
_BODY_OUT = ("INSERT INTO ticket_message_search(ticket_message_search, rowid, body) "
             "VALUES ('delete', old.id, old.body); ")

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS ticket_subject_search USING fts5(subject, content='tickets', "
    f"content_rowid='id', {_TOKENIZE})",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS ticket_message_search USING fts5(body, content='ticket_messages', "
    f"content_rowid='id', {_TOKENIZE})",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO ticket_subject_search(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_ad AFTER DELETE ON tickets BEGIN "
    f"{_SUBJECT_OUT}END",
    f"CREATE TRIGGER IF NOT EXISTS tickets_search_au AFTER UPDATE OF subject ON tickets BEGIN {_SUBJECT_OUT}"
    "INSERT INTO ticket_subject_search(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_messages_search_ai AFTER INSERT ON ticket_messages BEGIN "
    "INSERT INTO ticket_message_search(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_messages_search_ad AFTER DELETE ON ticket_messages BEGIN "
    f"{_BODY_OUT}END",
    f"CREATE TRIGGER IF NOT EXISTS ticket_messages_search_au AFTER UPDATE OF body ON ticket_messages BEGIN {_BODY_OUT}"
    "INSERT INTO ticket_message_search(rowid, body) VALUES (new.id, new.body); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_search_ai", "DROP TRIGGER IF EXISTS tickets_search_ad",
    "DROP TRIGGER IF EXISTS tickets_search_au", "DROP TRIGGER IF EXISTS ticket_messages_search_ai",
    "DROP TRIGGER IF EXISTS ticket_messages_search_ad", "DROP TRIGGER IF EXISTS ticket_messages_search_au",
    "DROP TABLE IF EXISTS ticket_subject_search", "DROP TABLE IF EXISTS ticket_message_search",
]
POSTGRES_CREATE = [
    "CREATE INDEX IF NOT EXISTS ix_tickets_subject_fts ON tickets USING gin (to_tsvector('simple', subject))",
    "CREATE INDEX IF NOT EXISTS ix_ticket_messages_body_fts ON ticket_messages "
    "USING gin (to_tsvector('simple', body))",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_tickets_subject_fts", "DROP INDEX IF EXISTS ix_ticket_messages_body_fts"]


def create_statements(dialect: str) -> list[str]:
    return SQLITE_CREATE if dialect == "sqlite" else POSTGRES_CREATE


def drop_statements(dialect: str) -> list[str]:
    return SQLITE_DROP if dialect == "sqlite" else POSTGRES_DROP


def _attach() -> None:
    # After ticket_messages exists (tickets comes first in the metadata's order).
    for statement in SQLITE_CREATE:
        event.listen(TicketMessage.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRES_CREATE:
        event.listen(TicketMessage.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))
    for statement in SQLITE_DROP:
        event.listen(Ticket.__table__, "before_drop", DDL(statement).execute_if(dialect="sqlite"))


_attach()
