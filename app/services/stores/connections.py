"""Connecting a store: its address, credentials (encrypted) and webhook secret; the URL its
webhooks go to; and the health Settings › Store shows (deliveries accepted, duplicate, refused and
ignored, the last refusals' reasons, the last connection check)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import update

from app.extensions import db
from app.models import StoreConnection
from app.models.base import utcnow
from app.models.store import PLATFORMS
from app.services.errors import DomainError, NotFoundError
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.stores import credentials, woocommerce

# Shopify takes up to an hour to sign with a rotated secret: the previous one verifies until then.
ROTATION_GRACE = timedelta(hours=1)
LAST_REFUSALS = 5
MAX_SECRET = 255
_SHOPIFY_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}\.myshopify\.com$")
PLATFORM_NAMES = {"shopify": "Shopify", "woocommerce": "WooCommerce"}


@dataclass(frozen=True)
class Secrets:
    """A connection's credentials, decrypted, for the one use that needs them."""

    webhook: tuple[str, ...]  # the current secret first, then a rotated one still in its grace hour
    access_token: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None


def normalise_shop(platform: str, shop: str) -> str:
    """How the platform names the store in its webhooks: Shopify's `name.myshopify.com`, or the
    WooCommerce site URL (scheme and host lowercased, no trailing slash). DomainError otherwise."""
    text = (shop or "").strip()
    if platform == "shopify":
        host = (urlsplit(text).hostname if "//" in text else text.split("/")[0]).lower()
        if not _SHOPIFY_DOMAIN.match(host):
            raise DomainError("Enter the store's myshopify.com domain, for example tea-shop.myshopify.com.",
                              field="shop")
        return host
    if platform == "woocommerce":
        return normalise_site_url(text)
    raise DomainError(f"Choose one of {', '.join(PLATFORMS)}.", field="platform")


def normalise_site_url(url: str) -> str:
    """A site URL as WooCommerce's X-WC-Webhook-Source gives it, in one spelling (woocommerce.py);
    DomainError when it is not an http(s) address."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DomainError("Enter the site's address, for example https://shop.example.com.", field="shop")
    return woocommerce.normalise_site_url(url)


def _api_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        raise DomainError("The API URL must be an http(s) address.", field="api_url")
    return url.rstrip("/")


def _secret(value: str | None, field: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError("Enter the webhook signing secret the platform shows.", field=field)
        return None
    if len(value) > MAX_SECRET or any(ch.isspace() for ch in value):
        raise DomainError("That does not look like a secret the platform gives (no spaces, at most "
                          f"{MAX_SECRET} characters).", field=field)
    return value


def connect(platform: str, *, shop: str, webhook_secret: str, access_token: str | None = None,
            consumer_key: str | None = None, consumer_secret: str | None = None, api_url: str | None = None,
            by: Actor) -> StoreConnection:
    """Connect a store, or update its connection: a new webhook secret replaces the old one, which
    still verifies for an hour; credentials not given are kept. Commits."""
    shop = normalise_shop(platform, shop)
    webhook_secret = _secret(webhook_secret, "webhook_secret", required=True)
    given = {"access_token": _secret(access_token, "access_token"),
             "consumer_key": _secret(consumer_key, "consumer_key"),
             "consumer_secret": _secret(consumer_secret, "consumer_secret")}
    if bool(given["consumer_key"]) != bool(given["consumer_secret"]):
        raise DomainError("Give both the consumer key and the consumer secret.", field="consumer_secret")
    connection = db.session.scalar(db.select(StoreConnection).where(StoreConnection.platform == platform,
                                                                    StoreConnection.shop == shop))
    now, stored = utcnow(), {}
    if connection is None:
        connection = StoreConnection(platform=platform, shop=shop, credentials="", credential_hints={},
                                     last_refusals=[], last_check={}, backfill={},
                                     backfill_months=current_app.config["HELPDESK_STORE_BACKFILL_MONTHS"])
        db.session.add(connection)
    else:
        stored = credentials.unseal(connection.credentials)
    secrets = stored | {name: value for name, value in given.items() if value}
    if stored.get("webhook_secret") and stored["webhook_secret"] != webhook_secret:
        secrets["previous_webhook_secret"] = stored["webhook_secret"]
        connection.previous_secret_until = now + ROTATION_GRACE
    secrets["webhook_secret"] = webhook_secret
    connection.credentials = credentials.seal(secrets)
    connection.credential_hints = {name: credentials.hint(value) for name, value in secrets.items()
                                   if name != "previous_webhook_secret"}
    if api_url is not None:
        connection.api_url = _api_url(api_url)
    db.session.flush()
    audit.record("store.connected", actor=by, target=connection,
                 details={"platform": platform, "shop": shop, "given": sorted(n for n, v in given.items() if v)})
    db.session.commit()
    return connection


def disconnect(connection_id: int, *, by: Actor) -> None:
    """Forget a store: its credentials and delivery history go; what it sent stays. Commits."""
    connection = get(connection_id)
    audit.record("store.disconnected", actor=by, target=connection,
                 details={"platform": connection.platform, "shop": connection.shop})
    db.session.delete(connection)
    db.session.commit()


def get(connection_id: int) -> StoreConnection:
    connection = db.session.get(StoreConnection, connection_id)
    if connection is None:
        raise NotFoundError("No such store connection.")
    return connection


def find(platform: str, shop: str) -> StoreConnection | None:
    """The connection a webhook names (the shop as the platform sends it), or None."""
    try:
        shop = normalise_shop(platform, shop)
    except DomainError:
        return None
    return db.session.scalar(db.select(StoreConnection).where(StoreConnection.platform == platform,
                                                              StoreConnection.shop == shop))


def webhook_target(platform: str, shop: str):
    """What a webhook needs of its connection (id, platform, credentials, rotation), read without
    loading the whole row: this runs for every delivery. None when the shop is not connected."""
    try:
        shop = normalise_shop(platform, shop)
    except DomainError:
        return None
    return db.session.execute(
        db.select(StoreConnection.id, StoreConnection.platform, StoreConnection.shop, StoreConnection.credentials,
                  StoreConnection.previous_secret_until)
        .where(StoreConnection.platform == platform, StoreConnection.shop == shop)).first()


def all_connections() -> list[StoreConnection]:
    return list(db.session.scalars(db.select(StoreConnection).order_by(StoreConnection.id)))


def secrets(connection, *, now: datetime | None = None) -> Secrets:
    """The connection's credentials, decrypted; a rotated webhook secret only within its hour."""
    plain = credentials.unseal(connection.credentials)
    webhook = [plain["webhook_secret"]]
    until = connection.previous_secret_until
    if plain.get("previous_webhook_secret") and until is not None and (now or utcnow()) < until:
        webhook.append(plain["previous_webhook_secret"])
    return Secrets(webhook=tuple(webhook), access_token=plain.get("access_token"),
                   consumer_key=plain.get("consumer_key"), consumer_secret=plain.get("consumer_secret"))


def webhook_url(platform: str) -> str:
    """The absolute URL to paste into the platform's webhook settings."""
    return f"{current_app.config['HELPDESK_PUBLIC_URL']}/webhooks/{platform}"


# --- health ------------------------------------------------------------------------------------

_COUNTERS = {"accepted": StoreConnection.accepted_count, "duplicate": StoreConnection.duplicate_count,
             "refused": StoreConnection.refused_count, "ignored": StoreConnection.ignored_count}


def count_delivery(connection_id: int, outcome: str, topic: str | None, *, reason: str | None = None) -> None:
    """Count one delivery on its connection (an atomic increment: concurrent deliveries add up), with
    the topic and time of the last one received, and, for a refusal, its reason among the last few.
    In the caller's transaction."""
    column = _COUNTERS[outcome]
    now = utcnow()
    values = {column.key: column + 1}
    if outcome != "refused":
        values |= {"last_webhook_at": now, "last_webhook_topic": (topic or "")[:64] or None}
    db.session.execute(update(StoreConnection).where(StoreConnection.id == connection_id).values(**values)
                       .execution_options(synchronize_session=False))
    if reason:
        note_refusal(connection_id, reason, topic, now)


def note_refusal(connection_id: int, reason: str, topic: str | None, at: datetime) -> None:
    """Keep a refusal's reason (the newest few) for Settings › Store."""
    connection = db.session.get(StoreConnection, connection_id, populate_existing=True)
    entry = {"at": at.isoformat(), "topic": (topic or "")[:64], "reason": reason[:300]}
    connection.last_refusals = [entry, *(connection.last_refusals or [])][:LAST_REFUSALS]
