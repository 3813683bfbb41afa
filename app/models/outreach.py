"""Proactive outreach: rules that reach a visitor or customer at a moment of their lifecycle, and
the log of every decision the engine took (shown, held out or capped, and why)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# When a rule becomes true: an event arrives, or a condition becomes true with time.
TRIGGER_KINDS = ("event", "cart_idle", "page_dwell", "returning_visitor", "days_after_first_order")
# What it does: a message in the widget, an alert to online agents, a ticket to check in, an email.
ACTION_KINDS = ("widget_message", "agent_alert", "follow_up_ticket", "email")
# What the engine decided for one visitor whose trigger and audience matched.
OUTCOMES = ("shown", "held_out", "capped")


class OutreachRule(db.Model):
    """One outreach rule. Trigger, audience and action are JSON validated by
    app/services/outreach/rules.py. A deleted rule keeps its row (its decisions and report stay
    readable) and the engine ignores it from the moment the deletion commits."""

    __tablename__ = "outreach_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    # Tried highest first when several rules match one visitor at once.
    priority: Mapped[int] = mapped_column(default=50, nullable=False)
    trigger: Mapped[dict] = mapped_column(JSON, nullable=False)
    audience: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    action: Mapped[dict] = mapped_column(JSON, nullable=False)
    # Share of the audience (0 to 50 %) deliberately left alone, to measure uplift.
    holdout_percent: Mapped[int] = mapped_column(default=0, nullable=False)
    # A visitor gets this rule at most once per cap_hours.
    cap_hours: Mapped[int] = mapped_column(default=24, nullable=False)
    business_hours_only: Mapped[bool] = mapped_column(default=False, nullable=False)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An order within this many hours of the decision counts as its conversion.
    conversion_hours: Mapped[int] = mapped_column(default=24, nullable=False)
    # Random per rule: hashed with the customer's id, it puts a visitor in the holdout or not, stably.
    holdout_seed: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutreachDecision(db.Model):
    """What the engine decided when a rule's trigger and audience matched a customer.

    `trigger_key` names the occurrence (the event id, the idle cart's snapshot, the page visit):
    one decision per rule, customer and occurrence, so a retried event or the timer's next pass
    decides nothing twice. `reason` is the sentence the console shows for "why".
    """

    __tablename__ = "outreach_decisions"
    __table_args__ = (
        UniqueConstraint("rule_id", "customer_id", "trigger_key", name="uq_outreach_decisions_rule_customer_trigger"),
        Index("ix_outreach_decisions_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_outreach_decisions_rule_id_created_at", "rule_id", "created_at"),
        # A conversation names the rule that started it through its decision.
        Index("ix_outreach_decisions_conversation_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("outreach_rules.id", ondelete="CASCADE"), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    trigger_key: Mapped[str] = mapped_column(String(160), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    # Whether the decision reaches the visitor (widget, email): those count toward the visitor cap.
    visitor_facing: Mapped[bool] = mapped_column(default=True, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    # The text that was (or, held out, would have been) sent, placeholders filled.
    body: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    delivered_to: Mapped[int] = mapped_column(default=0, nullable=False)  # widget sockets it reached
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the popup was clicked
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
