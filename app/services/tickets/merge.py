"""Merging two tickets into one: the source's thread and tags move into the target, the source is
closed with a pointer to it, and customers and email replies that reach the source go on to it.

Decisions (docs/tickets.md, "Merging"):
- Messages keep their ids and timestamps. The thread is ordered by id, and ids grow as messages are
  stored, so moved messages fall among the target's in the order they were written; each is marked
  with the ticket it came from (merged_from_id), and the merge note comes last.
- Refused: a ticket into itself, a closed or merged source, a closed or merged target, and tickets
  of different requesters unless the agent confirms (the source's requester can then read and
  answer the target's public thread, as they could their own).
- A retried merge (the source is merged into this target already) returns the target unchanged.
- merged_into_id always names an unmerged ticket: merging a target later re-points its sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Customer, Ticket, TicketMessage, TicketTag
from app.models.base import utcnow
from app.services.errors import ConflictError, DomainError, NotFoundError
from app.services.platform import realtime
from app.services.platform.audit import Actor
from app.services.tickets import intake, tagging, updates
from app.services.tickets.history import record


class DifferentRequestersError(ConflictError):
    """The tickets are different customers' requests: merging needs the agent's confirmation."""

    code = "different_requesters"


@dataclass(frozen=True)
class MergePlan:
    """What a merge would do, for the confirmation step."""

    source: Ticket
    target: Ticket
    source_requester: str
    target_requester: str
    same_requester: bool
    messages: int  # how many of the source's messages move


def _requester_label(ticket: Ticket) -> str:
    customer = db.session.get(Customer, ticket.requester_id)
    if customer is None or customer.erased_at is not None:
        return "an erased customer"
    return f"{customer.display_name} <{customer.email}>" if customer.email else customer.display_name


def _pair(source_id: int, target_id: int, *, lock: bool) -> tuple[Ticket, Ticket]:
    """Both tickets, locked in id order (two merges of the same pair never wait on each other)."""
    if source_id == target_id:
        raise DomainError("A ticket cannot be merged into itself: enter another ticket's number.", field="into")
    first, second = sorted((source_id, target_id))
    found = {}
    for ident in (first, second):
        try:
            found[ident] = intake.get_ticket(ident, lock=lock)
        except NotFoundError:
            raise NotFoundError(f"There is no ticket #{ident}.", field="into" if ident == target_id else None) from None
    return found[source_id], found[target_id]


def _refuse(source: Ticket, target: Ticket) -> None:
    """ConflictError when either ticket cannot take part in a merge."""
    if source.merged_into_id is not None:
        raise ConflictError(f"#{source.id} was merged into #{source.merged_into_id} already.")
    if source.status == "closed":
        raise ConflictError(f"#{source.id} is closed: closed tickets stay as they were.")
    if target.merged_into_id is not None:
        raise ConflictError(f"#{target.id} was merged into #{target.merged_into_id}: merge into "
                            f"#{target.merged_into_id} instead.", field="into")
    if target.status == "closed":
        raise ConflictError(f"#{target.id} is closed: merge into a ticket that is not closed.", field="into")


def merge_plan(source_id: int, target_id: int) -> MergePlan:
    """Called by the ticket page's "Merge into…" review: both tickets and their requesters, or the
    error the merge itself would give. Writes nothing."""
    source, target = _pair(source_id, target_id, lock=False)
    _refuse(source, target)
    messages = db.session.scalar(select(func.count(TicketMessage.id)).where(TicketMessage.ticket_id == source.id))
    return MergePlan(source, target, _requester_label(source), _requester_label(target),
                     source.requester_id == target.requester_id, messages)


def _move_messages(source: Ticket, target: Ticket) -> int:
    """Move the source's thread (ids and timestamps kept: the search index follows by itself, as
    it finds a message's ticket through ticket_messages). Returns how many moved."""
    # A client key names one submission per ticket; the same one in both (not seen in practice)
    # would break the unique key, and the target's copy already answers a retry.
    taken = select(TicketMessage.client_key).where(TicketMessage.ticket_id == target.id,
                                                   TicketMessage.client_key.is_not(None))
    db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id == source.id,
                                                   TicketMessage.client_key.in_(taken)).values(client_key=None))
    return db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id == source.id).values(
        ticket_id=target.id, merged_from_id=func.coalesce(TicketMessage.merged_from_id, source.id))).rowcount


def _merge_tags(source: Ticket, target: Ticket, by: Actor) -> None:
    before = updates.current_tags(target.id)
    added = [t for t in updates.current_tags(source.id) if t not in before]
    if not added:
        return
    after = tuple(sorted(before + tuple(added)))
    if len(after) > tagging.MAX_TAGS:
        raise DomainError(f"Merged, #{target.id} would have {len(after)} tags; a ticket takes at most "
                          f"{tagging.MAX_TAGS}. Remove some first.", field="into")
    db.session.add_all(TicketTag(ticket_id=target.id, tag=tag) for tag in added)
    record(target, by, "tags", ", ".join(before) or None, ", ".join(after))


def _note(ticket: Ticket, body: str, by: Actor) -> None:
    db.session.add(TicketMessage(ticket_id=ticket.id, author_type="system", body=body, internal=True, channel="web",
                                 author_agent_id=by.id if by.type == "agent" else None, created_at=utcnow()))


def _bump(ticket: Ticket) -> None:
    ticket.version += 1
    ticket.updated_at = utcnow()


def _repoint(source: Ticket, target: Ticket, by: Actor) -> list[Ticket]:
    """Tickets merged into the source earlier now point at the target (one step to the live ticket)."""
    earlier = list(db.session.scalars(select(Ticket).where(Ticket.merged_into_id == source.id).with_for_update()))
    for ticket in earlier:
        _bump(ticket)
        ticket.merged_into_id = target.id
        record(ticket, by, "merged_into", f"#{source.id}", f"#{target.id}")
    return earlier


def _merge(source: Ticket, target: Ticket, by: Actor) -> list[Ticket]:
    """The merge's writes, in the caller's transaction; returns the tickets that changed."""
    _bump(source)
    _bump(target)
    moved = _move_messages(source, target)
    _merge_tags(source, target, by)
    note = f"Merged #{source.id} into #{target.id}"
    _note(target, f"{note}: “{source.subject}” ({moved} message{'' if moved == 1 else 's'}) is in this thread now.",
          by)
    _note(source, f"{note}: this ticket's thread continues there.", by)
    old_status = source.status
    updates.apply_field(source, "status", "closed")
    source.merged_into_id = target.id
    record(source, by, "status", old_status, "closed")
    record(source, by, "merged_into", None, f"#{target.id}", details={"messages": moved})
    record(target, by, "merged_from", None, f"#{source.id}", details={"messages": moved})
    return [source, target, *_repoint(source, target, by)]


def merge_tickets(source_id: int, target_id: int, *, by: Actor, different_requesters_ok: bool = False) -> Ticket:
    """Called by the ticket page's "Merge into…" (after its review step): merge the source into
    the target (see the module's docstring), audited in both, one commit, then `ticket_updated`
    for each ticket that changed. Returns the target.

    DomainError for a ticket into itself or too many tags, NotFoundError for an unknown ticket,
    ConflictError for a closed or merged one, DifferentRequestersError unless
    different_requesters_ok; nothing is saved then. A retry of a done merge returns the target."""
    try:
        source, target = _pair(source_id, target_id, lock=True)
        if source.merged_into_id == target.id:
            db.session.rollback()
            return target
        _refuse(source, target)
        if source.requester_id != target.requester_id and not different_requesters_ok:
            raise DifferentRequestersError(f"#{source.id} and #{target.id} are different customers' requests: "
                                           "confirm to merge them anyway.", field="different_requesters_ok")
        changed = _merge(source, target, by)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    for ticket in changed:
        realtime.ticket_changed(intake.ticket_payload(ticket))
        realtime.request_updated(ticket.requester_id, ticket.id, "merged")  # closed, or its thread grew
    return target
