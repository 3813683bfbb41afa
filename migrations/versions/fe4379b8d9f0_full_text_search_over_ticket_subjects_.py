"""full-text search over ticket subjects and messages

Revision ID: fe4379b8d9f0
Revises: 5b527df75cc9
Create Date: 2026-12-02 01:53:56.647713

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'fe4379b8d9f0'
down_revision = '5b527df75cc9'
branch_labels = None
depends_on = None


# The same statements as app/models/ticket_search.py (copied: migrations import nothing from app).
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_subject_search USING fts5(subject, content='tickets', content_rowid='id', tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_message_search USING fts5(body, content='ticket_messages', content_rowid='id', tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    'CREATE TRIGGER IF NOT EXISTS tickets_search_ai AFTER INSERT ON tickets BEGIN INSERT INTO ticket_subject_search(rowid, subject) VALUES (new.id, new.subject); END',
    "CREATE TRIGGER IF NOT EXISTS tickets_search_ad AFTER DELETE ON tickets BEGIN INSERT INTO ticket_subject_search(ticket_subject_search, rowid, subject) VALUES ('delete', old.id, old.subject); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_au AFTER UPDATE OF subject ON tickets BEGIN INSERT INTO ticket_subject_search(ticket_subject_search, rowid, subject) VALUES ('delete', old.id, old.subject); INSERT INTO ticket_subject_search(rowid, subject) VALUES (new.id, new.subject); END",
    'CREATE TRIGGER IF NOT EXISTS ticket_messages_search_ai AFTER INSERT ON ticket_messages BEGIN INSERT INTO ticket_message_search(rowid, body) VALUES (new.id, new.body); END',
    "CREATE TRIGGER IF NOT EXISTS ticket_messages_search_ad AFTER DELETE ON ticket_messages BEGIN INSERT INTO ticket_message_search(ticket_message_search, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_messages_search_au AFTER UPDATE OF body ON ticket_messages BEGIN INSERT INTO ticket_message_search(ticket_message_search, rowid, body) VALUES ('delete', old.id, old.body); INSERT INTO ticket_message_search(rowid, body) VALUES (new.id, new.body); END",
]
SQLITE_DROP = [
    'DROP TRIGGER IF EXISTS tickets_search_ai',
    'DROP TRIGGER IF EXISTS tickets_search_ad',
    'DROP TRIGGER IF EXISTS tickets_search_au',
    'DROP TRIGGER IF EXISTS ticket_messages_search_ai',
    'DROP TRIGGER IF EXISTS ticket_messages_search_ad',
    'DROP TRIGGER IF EXISTS ticket_messages_search_au',
    'DROP TABLE IF EXISTS ticket_subject_search',
    'DROP TABLE IF EXISTS ticket_message_search',
]
POSTGRES_CREATE = [
    "CREATE INDEX IF NOT EXISTS ix_tickets_subject_fts ON tickets USING gin (to_tsvector('simple', subject))",
    "CREATE INDEX IF NOT EXISTS ix_ticket_messages_body_fts ON ticket_messages USING gin (to_tsvector('simple', body))",
]
POSTGRES_DROP = [
    'DROP INDEX IF EXISTS ix_tickets_subject_fts',
    'DROP INDEX IF EXISTS ix_ticket_messages_body_fts',
]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_CREATE if sqlite else POSTGRES_CREATE:
        op.execute(statement)
    if sqlite:  # index what exists already
        op.execute("INSERT INTO ticket_subject_search(ticket_subject_search) VALUES ('rebuild')")
        op.execute("INSERT INTO ticket_message_search(ticket_message_search) VALUES ('rebuild')")


def downgrade():
    for statement in SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRES_DROP:
        op.execute(statement)
