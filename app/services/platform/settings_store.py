"""Run-time settings kept in the database (app_settings), read and written by key."""

from __future__ import annotations

from app.extensions import db
from app.models import AppSetting


def get_setting(key: str) -> dict | None:
    """The stored value, or None."""
    row = db.session.get(AppSetting, key)
    return row.value if row else None


def put_setting(key: str, value: dict) -> None:
    """Store a value (flushes; the caller commits)."""
    row = db.session.get(AppSetting, key)
    if row is None:
        db.session.add(AppSetting(key=key, value=value))
    else:
        row.value = value
    db.session.flush()
