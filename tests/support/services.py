"""PostgreSQL and Redis for tests: used when they answer, required when HELPDESK_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os

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
