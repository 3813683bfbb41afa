"""Files attached to a ticket's messages: the row says what the file is; the bytes live under
HELPDESK_DATA_DIR/attachments/ by a random storage key (app/services/tickets/attachments/store.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

MAX_FILENAME_CHARS = 255
# Who added the file: an agent in the console, the customer (help center, My requests) or an email.
UPLOADERS = ("agent", "customer", "email")


class TicketAttachment(db.Model):
    """One file on one message. `content_type` is the type we decided from the file's bytes and
    the allow-list, never the one the client claimed; `filename` is the cleaned original name, only
    ever shown (the file on disk is named by `storage_key`). message_id is empty only while a file
    is being attached: a reply's rows and message are committed together."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True, nullable=False)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(MAX_FILENAME_CHARS), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    uploaded_by_type: Mapped[str] = mapped_column(String(16), nullable=False)
    uploaded_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
