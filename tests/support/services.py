"""PostgreSQL and Redis for tests: used when they answer, required when HELPDESK_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def services_required() -> bool:
    return os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1"


def unavailable(what: str, reason: str):
    """Skip, or fail when CI demands the service."""
    message = f"{what} unavailable: {reason}"
    if services_required():
        pytest.fail(message + " (HELPDESK_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS)


def check_postgres(url: str) -> str | None:
    """None when PostgreSQL answers at url, else the reason."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure to connect is a reason to skip
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def check_redis(url: str) -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
        return None
    except Exception as exc:
        return str(exc) or type(exc).__name__


@contextmanager
def private_redis_db(base_url: str, number: int):
    """A Redis database number of one test's own (keys only), emptied before and after."""
    import redis

    url = urlsplit(base_url)._replace(path=f"/{number}").geturl()
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        yield url
        client.flushdb()
    finally:
        client.close()


@contextmanager
def throwaway_postgres_database(prefix: str, server_url: str | None = None):
    """A new empty database on a PostgreSQL server (the test one by default), dropped afterwards;
    skips (or fails under HELPDESK_REQUIRE_SERVICES=1) when the server does not answer."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    base = server_url or postgres_url()
    reason = check_postgres(base)
    if reason:
        unavailable("PostgreSQL", reason)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin_engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin_engine.dispose()
