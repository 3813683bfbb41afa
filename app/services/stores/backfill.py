"""Importing a store's history: its customers, then its orders, of the last N months, through the
platform's API (Shopify's GraphQL Admin API, WooCommerce's REST v3), page by page.

Each page's events are ingested with the import's progress (which page comes next, the counts)
in the same transaction, so an import that stops (the store's API down past the client's
retries, the process killed) resumes at the page after the last one committed, and a page read
twice changes nothing: its events have ids of their own. History is assessed as of each event's
time (ingest_events(history=True)); at the end, the periodic reassessment brings every buyer's
stage to today.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.jobs import enqueue
from app.models import StoreConnection
from app.models.base import utcnow
from app.services.customers import lifecycle
from app.services.errors import DomainError
from app.services.shop_events.ingestion import ingest_events
from app.services.stores import clients, connections, guests, shopify, woocommerce
from app.services.stores.api_client import StoreApiError

log = logging.getLogger(__name__)

JOB = "app.services.stores.backfill:run"
PHASES = ("customers", "orders")
# Items asked for per page: Shopify's most (its client asks for fewer when a page would cost more
# than a query may), WooCommerce's most.
PAGE_SIZE = {"shopify": 250, "woocommerce": 100}
MAX_MONTHS = 120


def _mapper(platform: str, phase: str):
    if platform == "shopify":
        return shopify.customer_events if phase == "customers" else (lambda o: shopify.order_events(o, history=True))
    return woocommerce.customer_events if phase == "customers" else woocommerce.order_events


def start(connection_id: int, *, months: int | None = None, queue: bool = True) -> dict:
    """Begin an import (or resume one that stopped) and, with `queue`, hand it to the job runner
    (the command line runs it in the foreground instead). Commits. A finished import is started
    afresh; so is one for a different number of `months`."""
    connection = connections.get(connection_id)
    clients.require_api_access(connection)  # DomainError now, in the admin's words
    state = dict(connection.backfill or {})
    afresh = state.get("status") not in ("running", "queued", "failed")
    if months is not None:
        if not 1 <= months <= MAX_MONTHS:
            raise DomainError(f"Import between 1 and {MAX_MONTHS} months.", field="months")
        afresh = afresh or months != connection.backfill_months
        connection.backfill_months = months
    if afresh:
        since = utcnow() - timedelta(days=round(30.44 * connection.backfill_months))
        state = {"since": since.isoformat(), "phase": PHASES[0], "next": None, "customers": 0, "orders": 0,
                 "events": 0, "started_at": utcnow().isoformat()}
    state |= {"status": "queued", "error": None}
    connection.backfill = state
    db.session.commit()
    if queue:
        enqueue(JOB, connection_id=connection_id)
    return state


def run(connection_id: int) -> dict:
    """The job: read and ingest page after page until the history is in, saving progress with
    each page. A failure of the store's API stops the import with the store's words in its state
    (Settings › Store shows them; starting again resumes)."""
    connection = db.session.get(StoreConnection, connection_id)
    if connection is None or (connection.backfill or {}).get("status") not in ("queued", "running"):
        return dict(connection.backfill or {}) if connection else {}
    state = dict(connection.backfill) | {"status": "running"}
    _save(connection_id, state)
    try:
        with clients.client_for(connection) as api:
            while state["phase"] in PHASES:
                state = _page(connection, api, state)
    except (StoreApiError, DomainError) as exc:
        db.session.rollback()
        state = dict(db.session.get(StoreConnection, connection_id).backfill) | {"status": "failed",
                                                                                "error": exc.message}
        _save(connection_id, state)
        log.warning("store import stopped", extra={"store": connection_id, "reason": exc.message})
        return state
    lifecycle.recompute_lifecycle()  # what time has done since the imported events: today's stages
    state |= {"status": "done", "finished_at": utcnow().isoformat()}
    _save(connection_id, state)
    return state


def _page(connection: StoreConnection, api, state: dict) -> dict:
    """Read one page of the current phase, ingest it with the new state; the state after it."""
    phase, since = state["phase"], datetime.fromisoformat(state["since"]).astimezone(UTC)
    fetch = api.customers_page if phase == "customers" else api.orders_page
    page = fetch(since, state["next"] or (None if connection.platform == "shopify" else 1),
                 PAGE_SIZE[connection.platform])
    mapper = _mapper(connection.platform, phase)
    events = guests.owned([event for item in page.items for event in mapper(item)])
    if phase == "customers":  # accounts come in this phase; the orders' pages need no lookup
        guests.adopt_accounts(events)
    new_state = dict(state) | {phase: state[phase] + len(page.items), "next": page.next,
                               "updated_at": utcnow().isoformat()}
    if page.next is None:
        new_state |= {"phase": PHASES[PHASES.index(phase) + 1] if phase != PHASES[-1] else "done", "next": None}

    def save(applied=None) -> None:
        new_state["events"] = state["events"] + (len(applied.new_ids) if applied else 0)
        db.session.get(StoreConnection, connection.id).backfill = dict(new_state)

    if events:
        ingest_events(events, source=connection.platform, within=save, history=True)
    else:
        save()
        db.session.commit()
    return new_state


def _save(connection_id: int, state: dict) -> None:
    db.session.get(StoreConnection, connection_id).backfill = state
    db.session.commit()
