"""Engine tuning per database: SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    """Install the connection hooks the engine's dialect needs; other dialects are left alone."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from pysqlite so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A DEFERRED transaction that reads and then writes cannot wait for the write lock
        # (SQLITE_BUSY despite busy_timeout), so every transaction takes it up front.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignoring_conflicts(table, index_elements: list[str]):
    """INSERT … ON CONFLICT (index_elements) DO NOTHING, on SQLite and PostgreSQL alike.

    Idempotent writes rest on this, not on read-then-insert, which two concurrent requests
    would both pass.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from app.extensions import db

    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=index_elements)


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, for `.like(pattern, escape="\\")`: % and _ typed by
    a user are literal characters, not wildcards."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
