"""Ticket attachments: files checked and written before a reply's transaction, attached to its
message inside it, deleted again when it does not commit; the lists under each message; and the
downloads, for agents and for the ticket's own customer (never a note's files)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Customer, Ticket, TicketAttachment, TicketMessage
from app.models.base import utcnow
from app.services.errors import NotFoundError
from app.services.tickets.attachments import store
from app.services.tickets.attachments.store import Limits, StoredFile, Upload
from app.services.tickets.attachments.types import BY_CONTENT_TYPE, AttachmentError

log = logging.getLogger(__name__)
NOT_FOUND = "No such file."


@dataclass(frozen=True)
class Batch:
    """The files of one message: those stored, and (partial batches: email) those refused, with why."""

    files: tuple[StoredFile, ...] = ()
    refused: tuple[str, ...] = ()


@dataclass(frozen=True)
class Download:
    attachment: TicketAttachment
    path: Path
    inline: bool  # images only; everything else is served as a download


def limits() -> Limits:
    return Limits.from_config(current_app.config)


def _store_all(uploads: Sequence[Upload], *, partial: bool) -> Batch:
    """Every upload stored, or AttachmentError with none kept. Partial (email): those that pass
    are kept, up to the count, and the others are listed in `refused`."""
    allowed = limits()
    if not partial and len(uploads) > allowed.per_message:
        raise AttachmentError(f"Attach at most {allowed.per_message} files to one message.")
    files: list[StoredFile] = []
    refused: list[str] = []
    try:
        for upload in uploads:
            if len(files) >= allowed.per_message:
                refused.append(f"“{store.clean_filename(upload.filename)}”: more than "
                               f"{allowed.per_message} files in one message.")
                continue
            try:
                files.append(store.store(upload, allowed))
            except AttachmentError as exc:
                if not partial:
                    raise
                refused.append(exc.message)
    except BaseException:
        store.delete(f.storage_key for f in files)
        raise
    return Batch(tuple(files), tuple(refused))


@contextmanager
def stored(uploads: Sequence[Upload] = (), *, partial: bool = False) -> Iterator[Batch]:
    """Called by the use cases that take files (replies, new tickets) around their transaction:
    the uploads checked and written first (AttachmentError, nothing written, when one is refused;
    with partial=True the refused ones are listed instead). When the block ends, any file whose row
    was not committed is deleted: an exception, a rollback, an idempotent retry that kept nothing."""
    batch = _store_all(list(uploads), partial=partial)
    try:
        yield batch
    except BaseException:
        if batch.files:  # what the failed block wrote is undone before we look for the rows
            db.session.rollback()
        raise
    finally:
        _discard_uncommitted(batch.files)


def _discard_uncommitted(files: Sequence[StoredFile]) -> None:
    if not files:
        return
    keys = [f.storage_key for f in files]
    try:
        kept = set(db.session.scalars(select(TicketAttachment.storage_key)
                                      .where(TicketAttachment.storage_key.in_(keys))))
    except SQLAlchemyError:  # the database is gone: keep the files rather than lose committed ones
        log.warning("could not check attachments after a failed transaction", exc_info=True)
        return
    store.delete(key for key in keys if key not in kept)


def attach(batch: Batch, message: TicketMessage) -> list[TicketAttachment]:
    """Called by the reply and new-ticket use cases, in their transaction (flushes only): rows for
    the batch's files on the message, uploaded by its author; refused files of an email become an
    internal note saying which and why."""
    if not batch.files and not batch.refused:
        return []
    uploaded_by = "email" if message.channel == "email" else message.author_type
    now = utcnow()
    rows = [TicketAttachment(ticket_id=message.ticket_id, message_id=message.id, filename=f.filename,
                             content_type=f.content_type, size=f.size, sha256=f.sha256, storage_key=f.storage_key,
                             uploaded_by_type=uploaded_by, uploaded_by_agent_id=message.author_agent_id,
                             created_at=now) for f in batch.files]
    db.session.add_all(rows)
    if batch.refused:
        lines = "\n".join(f"- {reason}" for reason in batch.refused)
        db.session.add(TicketMessage(ticket_id=message.ticket_id, author_type="system", internal=True,
                                     channel=message.channel, created_at=now,
                                     body=f"Attachments not kept from this message:\n{lines}"))
    db.session.flush()
    return rows


def by_message(ticket_id: int, *, public_only: bool = False) -> dict[int, list[TicketAttachment]]:
    """Called by the ticket page (all) and My requests (public messages only): the ticket's files
    by message id, in upload order."""
    statement = (select(TicketAttachment).join(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
                 .where(TicketAttachment.ticket_id == ticket_id).order_by(TicketAttachment.id))
    if public_only:
        statement = statement.where(TicketMessage.internal.is_(False))
    files: dict[int, list[TicketAttachment]] = {}
    for row in db.session.scalars(statement):
        files.setdefault(row.message_id, []).append(row)
    return files


def _download(statement) -> Download:
    row = db.session.scalar(statement)
    if row is None:
        raise NotFoundError(NOT_FOUND)
    path = store.path_for(row.storage_key)
    if not path.is_file():
        log.warning("attachment file missing", extra={"attachment_id": row.id, "storage_key": row.storage_key})
        raise NotFoundError(NOT_FOUND)
    file_type = BY_CONTENT_TYPE.get(row.content_type)
    return Download(row, path, inline=bool(file_type and file_type.inline))


def _attached(ticket_id: int, attachment_id: int):
    return (select(TicketAttachment).join(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
            .where(TicketAttachment.id == attachment_id, TicketAttachment.ticket_id == ticket_id))


def agent_download(ticket_id: int, attachment_id: int) -> Download:
    """Called by the console's download link: any attached file of the ticket, notes' included."""
    return _download(_attached(ticket_id, attachment_id))


def customer_download(customer: Customer, ticket_id: int, attachment_id: int) -> Download:
    """Called by My requests' download link: a file on a public message of the customer's own
    ticket. NotFoundError for anything else, the same answer as for a file that does not exist."""
    return _download(_attached(ticket_id, attachment_id).join(Ticket, Ticket.id == TicketAttachment.ticket_id)
                     .where(Ticket.requester_id == customer.id, TicketMessage.internal.is_(False)))


def remove_for_requester(customer_id: int) -> list[str]:
    """Called by a customer's erasure, in its transaction (no commit): the rows of every file on
    the customer's tickets deleted (names and contents are theirs, or about them, as the blanked
    messages were). Returns the storage keys: the caller deletes the files once it has committed."""
    ticket_ids = select(Ticket.id).where(Ticket.requester_id == customer_id)
    keys = list(db.session.scalars(select(TicketAttachment.storage_key)
                                   .where(TicketAttachment.ticket_id.in_(ticket_ids))))
    db.session.execute(delete(TicketAttachment).where(TicketAttachment.ticket_id.in_(ticket_ids)))
    return keys
