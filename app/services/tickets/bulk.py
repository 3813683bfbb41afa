"""Bulk updates from the ticket list: the same change (status, priority, assignee, group, tags
added or removed) to many tickets at once, each audited as a single update is, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.tickets import intake, tagging, updates
from app.services.tickets.updates import Conflict

MAX_TICKETS = 200
# What a bulk update may set; add_tags and remove_tags change the tags relative to each ticket's own.
BULK_FIELDS = ("status", "priority", "assignee_id", "group_id", "add_tags", "remove_tags")


@dataclass(frozen=True)
class BulkResult:
    updated: tuple[int, ...]  # changed: a version more, one audit entry per changed field
    unchanged: tuple[int, ...]  # had these values already
    merged: tuple[int, ...]  # merged into another ticket: left as they are


class UnknownTicketsError(NotFoundError):
    """Some ids name no ticket; `missing` lists them. Nothing was saved."""

    def __init__(self, missing: list[int]) -> None:
        shown = ", ".join(f"#{n}" for n in missing[:10]) + (" …" if len(missing) > 10 else "")
        super().__init__(f"No such ticket: {shown}. Nothing was changed.")
        self.missing = tuple(missing)


class BulkConflictError(ConflictError):
    """Tickets whose fields that this update sets changed since the list was loaded; `changes`
    maps each ticket id to what changed. Nothing was saved."""

    def __init__(self, changes: dict[int, list[Conflict]]) -> None:
        count = len(changes)
        super().__init__(f"{count} of the selected tickets {'was' if count == 1 else 'were'} changed by someone "
                         "else since this page was loaded. Nothing was saved: check their changes, then apply again "
                         "to update them anyway.")
        self.changes = changes


def _check(ticket_ids, changes: dict) -> tuple[list[int], dict, tuple[str, ...], tuple[str, ...]]:
    """The distinct ids, the checked field changes and the tags to add and remove; DomainError."""
    try:
        ids = list(dict.fromkeys(int(n) for n in ticket_ids or ()))
    except (TypeError, ValueError):
        raise DomainError("Tickets are selected by their numbers.", field="tickets") from None
    if not ids:
        raise DomainError("Select at least one ticket first.", field="tickets")
    if len(ids) > MAX_TICKETS:
        raise DomainError(f"Update at most {MAX_TICKETS} tickets at a time ({len(ids)} were selected).",
                          field="tickets")
    unknown = set(changes) - set(BULK_FIELDS)
    if unknown:
        raise DomainError(f"These fields cannot be changed in bulk: {', '.join(sorted(unknown))}.")
    add = tagging.normalise_tags(changes.get("add_tags"))
    remove = tagging.normalise_tags(changes.get("remove_tags"))
    fields = updates.validated({k: v for k, v in changes.items() if k not in ("add_tags", "remove_tags")})
    if not fields and not add and not remove:
        raise DomainError("Choose something to change: an assignee, a status, a priority, a group or tags.")
    return ids, fields, add, remove


def _locked(ids: list[int]) -> dict[int, Ticket]:
    """The tickets, locked in id order (two bulk updates never wait on each other in a circle)."""
    rows = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update()
                              .execution_options(populate_existing=True))
    return {t.id: t for t in rows}


def _conflicts(found: dict[int, Ticket], expected: dict[int, int], touched: set[str]) -> dict[int, list[Conflict]]:
    """Per ticket, the changes since its expected version to a field this update sets."""
    clashes = {}
    for ticket_id, version in expected.items():
        ticket = found.get(ticket_id)
        if ticket is None or ticket.version <= version:
            continue
        changes = [c for c in updates.conflicts_since(ticket, version) if c.field in touched]
        if changes:
            clashes[ticket_id] = changes
    return clashes


def _tag_changes(ticket: Ticket, add: tuple[str, ...], remove: tuple[str, ...]) -> dict:
    if not add and not remove:
        return {}
    current = updates.current_tags(ticket.id)
    wanted = [t for t in current if t not in remove] + [t for t in add if t not in current and t not in remove]
    if len(wanted) > tagging.MAX_TAGS:
        raise DomainError(f"#{ticket.id} would have {len(wanted)} tags; a ticket takes at most {tagging.MAX_TAGS}. "
                          "Nothing was changed.", field="add_tags")
    return {"tags": tuple(sorted(wanted))}


def bulk_update(ticket_ids, changes: dict, *, by: Actor, expected_versions: dict[int, int] | None = None) -> BulkResult:
    """Called by the ticket list's bulk bar: apply `changes` (status, priority, assignee_id,
    group_id: the value to set, None for nobody / no group; add_tags, remove_tags: lists) to each
    ticket, through the same checks and audit as the ticket page (one entry per changed field, a
    version more), all in one commit, then `ticket_updated` for each changed ticket (and
    `request_updated` to the requester's verified widgets when its status changed).

    All or nothing: DomainError for an empty selection, more than MAX_TICKETS, bad values or a
    ticket that would get too many tags; UnknownTicketsError when an id names no ticket;
    BulkConflictError when expected_versions (id → the version the list showed) is given and a
    field this update sets changed since. Tickets merged into another are left out and reported."""
    ids, fields, add, remove = _check(ticket_ids, changes)
    found = _locked(ids)
    missing = [n for n in ids if n not in found]
    if missing:
        db.session.rollback()
        raise UnknownTicketsError(missing)
    touched = set(fields) | ({"tags"} if add or remove else set())
    clashes = _conflicts(found, expected_versions or {}, touched)
    if clashes:
        db.session.rollback()
        raise BulkConflictError(clashes)
    updated, unchanged, merged, new_status = [], [], [], set()
    try:
        for ticket_id in ids:
            ticket = found[ticket_id]
            if ticket.merged_into_id is not None:
                merged.append(ticket_id)
                continue
            changed = updates.apply_changes(ticket, {**fields, **_tag_changes(ticket, add, remove)}, by=by,
                                                   details={"bulk": len(ids)})
            (updated if changed else unchanged).append(ticket_id)
            if "status" in changed:
                new_status.add(ticket_id)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    for ticket_id in updated:
        realtime.ticket_changed(intake.ticket_payload(found[ticket_id]))
        if ticket_id in new_status:
            realtime.request_updated(found[ticket_id].requester_id, ticket_id, "status")
    return BulkResult(tuple(updated), tuple(unchanged), tuple(merged))
