"""The customer's shop activity: the event log, the current cart, and orders with their items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class CustomerEvent(db.Model):
    """Append-only log of what the shop told us. `event_id` is the sender's id: a retry is a no-op."""

    __tablename__ = "customer_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    external_customer_id: Mapped[str | None] = mapped_column(String(128))
    anonymous_id: Mapped[str | None] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    source: Mapped[str] = mapped_column(String(16), default="api", nullable=False)
    properties: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    __table_args__ = (
        Index("ix_customer_events_customer_time", "customer_id", "occurred_at"),
        # The loyalty report counts one day's referrals by this.
        Index("ix_customer_events_type_time", "type", "occurred_at"),
    )


class Cart(db.Model):
    """The latest snapshot of a customer's cart. An older cart_updated never replaces a newer one."""

    __tablename__ = "carts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    items: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    item_count: Mapped[int] = mapped_column(default=0, nullable=False)
    currency: Mapped[str | None] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    event_id: Mapped[str] = mapped_column(String(128), nullable=False)


class Order(db.Model):
    """An order, once, whatever the number of order_placed deliveries. A refund or cancellation
    that arrives before its order creates the row with only that fact; the order fills it in later.

    `refunded_amount` adds up partial refunds; `refunded_at` is set once the whole order is
    refunded (a refund without an amount, or refunds reaching the total). A refunded or cancelled
    order no longer counts: it leaves the order count and lifetime value.

    `confirmed` is False while the order is known only from a shopper's page (a claim): the shop's
    server has the last word on whose order it is and what it holds (app/services/customers/orders.py)."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_order_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), nullable=False)
    currency: Mapped[str | None] = mapped_column(String(3))
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), server_default="0",
                                                     nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who sent it first (the events API, a store connector: "shopify", "woocommerce"): a connected
    # store's orders can be refunded or cancelled from the console through its API.
    source: Mapped[str | None] = mapped_column(String(16))
    # What the shop and its customer call the order ("#1001"), when the sender gives it.
    number: Mapped[str | None] = mapped_column(String(64))
    confirmed: Mapped[bool] = mapped_column(default=True, server_default=true(), nullable=False)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", passive_deletes=True, order_by="OrderItem.id"
    )

    __table_args__ = (
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
        # The cohort report reads one month's orders by this.
        Index("ix_orders_placed_at", "placed_at"),
    )

    @property
    def counts(self) -> bool:
        """Placed, not refunded in full and not cancelled: the orders that make a customer a buyer."""
        return self.placed_at is not None and self.refunded_at is None and self.cancelled_at is None

    @property
    def label(self) -> str:
        """How agents see the order named: its number when known, else the shop's id for it."""
        return self.number or self.external_order_id

    @property
    def net_total(self) -> Decimal:
        """What the customer paid and kept: the total less partial refunds."""
        return max(self.total - (self.refunded_amount or Decimal("0")), Decimal("0"))


class OrderItem(db.Model):
    """One line of an order."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True, nullable=False)
    # The store's id for the line (a refund by line names it); None from senders that give none.
    external_line_id: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    quantity: Mapped[int] = mapped_column(nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)

    order: Mapped[Order] = relationship(back_populates="items")
