"""Engine tuning per database: SQLite gets WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE and
one writer at a time per process."""

import threading

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_S = 5.0


class WriterBusy(TimeoutError):
    """This process's writer lock stayed taken for the busy timeout: the same condition as SQLite's
    own "database is locked", and named like it, so that callers retrying SQLITE_BUSY retry this."""

    sqlite_errorname = "SQLITE_BUSY"


def engine_options(config) -> dict:
    """The engine options for the configured database: a SQLite file cannot drop a connection the
    way a server can, so it skips the checkout ping, which would cost a statement per chat event."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["pool_pre_ping"] = False
    return options


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

    _one_writer_per_process(engine)


def _one_writer_per_process(engine: Engine) -> None:
    """Every transaction takes SQLite's write lock up front (BEGIN IMMEDIATE), after a lock of
    this process's own."""
    # SQLite lets one transaction write at a time, and every transaction here takes the write lock
    # (BEGIN IMMEDIATE, below). Inside one process the waiting happens on this lock instead of in
    # SQLite's busy handler: the busy handler sleeps inside C, which under gevent freezes the whole
    # process, including the greenlet that holds the lock and would release it (a deadlock until
    # busy_timeout). threading.Lock is gevent's cooperative lock once the worker is patched, and
    # wakes a waiter as soon as the holder commits, where the busy handler polls with back-off.
    # Other processes (the CLI, a second server) still meet at SQLite's own lock.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if not writer.acquire(timeout=BUSY_TIMEOUT_S):
            raise exc.OperationalError("BEGIN IMMEDIATE", {}, WriterBusy("database is locked (in-process writer)"))
        connection.info["holds_writer"] = True
        try:
            # A DEFERRED transaction that reads and then writes cannot wait for the write lock
            # (SQLITE_BUSY despite busy_timeout), so every transaction takes it up front.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection):
        if connection.info.pop("holds_writer", False):
            writer.release()

    # Both fire before the DBAPI call: no other transaction can begin in between, since nothing
    # yields to another greenlet there, and another thread would wait in busy_timeout for an instant.
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


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

