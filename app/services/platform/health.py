"""Health checks for /healthz: the database must answer; Redis, when configured, is reported."""

from __future__ import annotations

import logging

from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)


def database_ok() -> bool:
    """True when a trivial query succeeds."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return True
    except Exception:  # any driver error means "not healthy"; the reason goes to the log
        log.exception("health check: database unavailable")
        db.session.rollback()
        return False


def redis_ok(url: str) -> bool:
    """True when Redis answers PING within a second."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        log.warning("health check: redis unavailable")
        return False


def report(redis_url: str | None) -> tuple[bool, dict]:
    """(healthy, body). Unhealthy only when the database fails; Redis down means degraded."""
    checks = {"database": "ok" if database_ok() else "down"}
    if redis_url:
        checks["redis"] = "ok" if redis_ok(redis_url) else "down"
    healthy = checks["database"] == "ok"
    degraded = healthy and "down" in checks.values()
    status = "down" if not healthy else ("degraded" if degraded else "ok")
    return healthy, {"status": status, "checks": checks}
