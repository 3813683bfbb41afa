"""Outgoing email: every message is a row first (in the transaction of the change that causes it),
then a sender job delivers it over SMTP; in development the console shows the outbox instead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# queued: waiting for the sender; sent: accepted by the SMTP server; failed: gave up after retries;
# held: kept in the outbox on purpose (development: HELPDESK_EMAIL_DELIVERY=outbox).
OUTBOX_STATUSES = ("queued", "sent", "failed", "held")


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What caused it (ticket_received, agent_reply, sign_in_link, …) and a key that makes queuing
    # the same email twice (a retried request, a re-run job) one row.
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    text_body: Mapped[str] = mapped_column(Text, nullable=False)
    # Our Message-ID (without angle brackets) and the one this answers: replies thread by them.
    message_id: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="queued", nullable=False)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
