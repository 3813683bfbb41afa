"""Reading the row a use case changes: locked, fresh, or a domain error; what a flush will change."""

from __future__ import annotations

from app.extensions import db
from app.services.errors import NotFoundError


def get_locked(model, ident: int, message: str):
    """The row with this id, locked for update (PostgreSQL; SQLite's writer lock is already held)
    and read afresh; NotFoundError(message) when there is none."""
    row = db.session.scalar(db.select(model).where(model.id == ident).with_for_update()
                            .execution_options(populate_existing=True))
    if row is None:
        raise NotFoundError(message)
    return row


def get_row(model, ident: int, message: str, *, lock: bool = False):
    """The row with this id, read afresh (and locked with lock=True); NotFoundError(message)."""
    if lock:
        return get_locked(model, ident, message)
    row = db.session.get(model, ident, populate_existing=True)
    if row is None:
        raise NotFoundError(message)
    return row


def changed_in_flush(row, *names: str) -> bool:
    """Whether any of these attributes of an ORM object has a change pending (flush listeners)."""
    state = db.inspect(row)
    return any(state.attrs[name].history.has_changes() for name in names)
