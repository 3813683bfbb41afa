"""A connected store (Shopify, WooCommerce): where its webhooks come from, its credentials
(encrypted), the health of its deliveries and its backfill; and the deliveries already taken,
so that a platform's retries and repeats change nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

PLATFORMS = ("shopify", "woocommerce")


class StoreConnection(db.Model):
    """One store. `shop` is how the platform names it in its webhooks: the myshopify.com domain,
    or the WooCommerce site URL (normalised). `credentials` is a Fernet token of the secrets
    (app/services/stores/credentials.py); `credential_hints` keeps only what may be shown again
    (the last characters of each)."""

    __tablename__ = "store_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    shop: Mapped[str] = mapped_column(String(255), nullable=False)
    api_url: Mapped[str | None] = mapped_column(String(2048))
    credentials: Mapped[str] = mapped_column(Text, nullable=False)
    credential_hints: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    # A rotated webhook secret keeps verifying until then (Shopify takes up to an hour to switch).
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)

    # Health, as Settings › Store shows it.
    accepted_count: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    duplicate_count: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    refused_count: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    ignored_count: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    last_webhook_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_webhook_topic: Mapped[str | None] = mapped_column(String(64))
    last_refusals: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    last_check: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    # The backfill: months to import, where it stands (cursor, counts, status), resumable.
    backfill_months: Mapped[int] = mapped_column(default=12, server_default="12", nullable=False)
    backfill: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    __table_args__ = (UniqueConstraint("platform", "shop", name="uq_store_connections_platform_shop"),)


class StoreDelivery(db.Model):
    """A webhook delivery taken, by the key that identifies it (Shopify's webhook id; WooCommerce's
    delivery id, and its resource's id and modification time). Kept a week: the platforms retry
    for hours, never days."""

    __tablename__ = "store_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("store_connections.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("connection_id", "key", name="uq_store_deliveries_connection_key"),
        Index("ix_store_deliveries_received_at", "received_at"),
    )


ORDER_ACTIONS = ("refund", "cancel", "resend")


class StoreOrderAction(db.Model):
    """An agent's action on a store's order (refund, cancel, resend the confirmation), once per
    idempotency key: the confirmation form carries one, so a double click or a retried request
    finds the first attempt and its result instead of acting twice."""

    __tablename__ = "store_order_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True, nullable=False)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("store_connections.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending, done, failed
    request: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    result: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
