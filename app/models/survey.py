"""Feedback surveys: CSAT after a chat is resolved or a ticket solved, NPS for customers in
retention or loyalty. One row per question asked; the answer is written into it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

SURVEY_KINDS = ("csat", "nps")
CSAT_RATINGS = ("good", "bad")
NPS_SCALE = range(0, 11)
# Where a question was asked and answered.
SURVEY_CHANNELS = ("widget", "email")


class Survey(db.Model):
    """A question put to a customer, and their answer once given.

    `subject_key` names what is asked about, one survey per kind and subject: "conversation:12",
    "ticket:5", or for NPS "nps:<customer id>:<period start>" (at most once per period). What the
    reports group by is copied in when it is asked: the stage the customer was in, the agent who
    handled it and the channel it came in on, so a later change does not rewrite history.
    """

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("kind", "subject_key", name="uq_surveys_kind_subject_key"),
        Index("ix_surveys_customer_id_asked_at", "customer_id", "asked_at"),
        Index("ix_surveys_kind_answered_at", "kind", "answered_at"),
        Index("ix_surveys_conversation_id", "conversation_id"),
        Index("ix_surveys_ticket_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    subject_key: Mapped[str] = mapped_column(String(64), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # of the chat or ticket; "nps" for NPS
    asked_via: Mapped[str] = mapped_column(String(16), nullable=False)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_via: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[str | None] = mapped_column(String(8))  # CSAT: good or bad
    score: Mapped[int | None] = mapped_column()  # NPS: 0 to 10
    comment: Mapped[str | None] = mapped_column(Text)

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
