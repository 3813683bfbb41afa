"""Customers (known or anonymous), their visitor ids, and the history of their lifecycle stage."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

STAGES = ("reach", "acquisition", "conversion", "retention", "loyalty")
# The last three come from the customer's latest NPS answer (9-10, 7-8, 0-6).
FLAGS = ("at_risk", "churned", "reactivated", "vip", "promoter", "passive", "detractor")
SEGMENTS = ("visitor", "lead", "registered", "new_customer", "repeat_customer", "frequent", "reactivated")


class Customer(db.Model):
    """One person as the shop knows them: identified by the shop's id, or anonymous (visitor ids only).

    Besides the profile it keeps the *facts* the lifecycle rules read (order count, lifetime value,
    first and last order, engagement…), updated incrementally by each event, and the stage, flags,
    segment and RFM scores last computed from them.
    """

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    # The contact address as last claimed by anyone (the shop's server, its pages, a form): shown
    # to agents and written to, never a key to the profile.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    # The address the helpdesk may find this profile by and send sign-in links to: vouched for by
    # the shop's server, or the address an email-only profile was made for. services/customers/emails.py.
    verified_email: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    traits: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    profile_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which event last wrote each "newest wins" field (profile fields, each trait, current page, NPS,
    # lead source): {field: [event time, event id]}, so that delivery order cannot change the result.
    field_stamps: Mapped[dict | None] = mapped_column(JSON)

    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    lead_source: Mapped[dict | None] = mapped_column(JSON)
    lead_source_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_page: Mapped[dict | None] = mapped_column(JSON)

    # Facts for the lifecycle rules.
    signed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    engaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    order_count: Mapped[int] = mapped_column(default=0, nullable=False)
    lifetime_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), nullable=False)
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_order_gap_days: Mapped[int] = mapped_column(default=0, nullable=False)
    referral_count: Mapped[int] = mapped_column(default=0, nullable=False)
    nps_score: Mapped[int | None] = mapped_column()
    nps_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Computed from the facts by services.lifecycle.
    stage: Mapped[str] = mapped_column(String(16), default="reach", nullable=False)
    stage_reason: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    segment: Mapped[str] = mapped_column(String(24), default="visitor", nullable=False)
    is_at_risk: Mapped[bool] = mapped_column(default=False, nullable=False)
    is_churned: Mapped[bool] = mapped_column(default=False, nullable=False)
    is_reactivated: Mapped[bool] = mapped_column(default=False, nullable=False)
    is_vip: Mapped[bool] = mapped_column(default=False, nullable=False)
    is_promoter: Mapped[bool] = mapped_column(default=False, server_default=false(), nullable=False)
    is_passive: Mapped[bool] = mapped_column(default=False, server_default=false(), nullable=False)
    is_detractor: Mapped[bool] = mapped_column(default=False, server_default=false(), nullable=False)
    rfm_recency: Mapped[int] = mapped_column(default=0, nullable=False)
    rfm_frequency: Mapped[int] = mapped_column(default=0, nullable=False)
    rfm_monetary: Mapped[int] = mapped_column(default=0, nullable=False)
    # The lifecycle views this customer's tickets are in (bits of services.tickets.audiences, which
    # keeps it and the copy on each ticket right).
    audiences: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)

    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    visitors: Mapped[list[AnonymousVisitor]] = relationship(back_populates="customer", passive_deletes=True)

    __table_args__ = (
        Index("ix_customers_last_seen", "last_seen_at", "id"),
        Index("ix_customers_stage_last_seen", "stage", "last_seen_at", "id"),
        # The cohort report reads a month's first buyers by this.
        Index("ix_customers_first_order_at", "first_order_at"),
    )

    @property
    def flags(self) -> list[str]:
        return [flag for flag in FLAGS if getattr(self, f"is_{flag}")]

    @property
    def is_anonymous(self) -> bool:
        return self.external_id is None

    @property
    def display_name(self) -> str:
        if self.name or self.email:
            return self.name or self.email
        return f"Customer {self.external_id}" if self.external_id else f"Visitor #{self.id}"


class AnonymousVisitor(db.Model):
    """A browser's anonymous id (from first-party storage), pointing at the profile it belongs to."""

    __tablename__ = "anonymous_visitors"

    id: Mapped[int] = mapped_column(primary_key=True)
    anonymous_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    customer: Mapped[Customer] = relationship(back_populates="visitors")


class StageTransition(db.Model):
    """A change of stage, with the reason in words and the event that caused it (None: time passed)."""

    __tablename__ = "stage_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    reason: Mapped[str] = mapped_column(String(255), nullable=False)
    event_id: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_stage_transitions_customer", "customer_id", "occurred_at"),
        # The lifecycle report reads one day's moves by this.
        Index("ix_stage_transitions_occurred_at", "occurred_at"),
    )
