"""I2: duplicate deliveries, sequential or concurrent, give one row each and a success answer for
every call; on SQLite (D1: WAL, busy timeout, BEGIN IMMEDIATE) and PostgreSQL (row locks)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Customer, CustomerEvent, Order
from app.services.shop_events.ingestion import IngestResult, ingest_events

BASE = datetime.now(UTC) - timedelta(days=3)


def _ingest_in_own_context(app, batch: list[dict]) -> IngestResult:
    """What a request does: its own app context, hence its own session and connection."""
    with app.app_context():
        try:
            return ingest_events(batch)
        finally:
            db.session.remove()


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_fifty_threads_posting_the_same_event_store_it_once(any_app):
    event = {"id": "evt-same", "type": "order_placed", "customer_id": "c-1", "timestamp": BASE.isoformat(),
             "properties": {"order_id": "o-1", "currency": "EUR", "total": "30.00",
                            "items": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "30.00"}]}}
    start = threading.Barrier(50)

    def post(_n):
        start.wait()
        return _ingest_in_own_context(any_app, [dict(event)])

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(post, range(50)))  # re-raises any call's exception

    assert sum(r.accepted for r in results) == 1
    assert sum(r.duplicates for r in results) == 49
    assert all(not r.rejected for r in results)
    db.session.expire_all()
    assert (_count(CustomerEvent), _count(Customer), _count(Order)) == (1, 1, 1)
    customer = db.session.scalar(db.select(Customer))
    assert customer.order_count == 1 and customer.stage == "conversion"


def _events(n: int) -> list[dict]:
    """n distinct events over 60 customers: views, identifies with anonymous ids, carts, orders."""
    rng, events = random.Random(3), []
    for i in range(n):
        customer = rng.randrange(60)
        when = (BASE + timedelta(minutes=i)).isoformat()
        kind = rng.choice(["page_viewed", "identify", "cart_updated", "order_placed"])
        props = {
            "page_viewed": {"url": f"https://shop.test/{i}"},
            "identify": {"email": f"c{customer}@example.com"},
            "cart_updated": {"items": [], "currency": "EUR", "total": "0"},
            "order_placed": {"order_id": f"o-{i}", "currency": "EUR", "total": "5.00",
                             "items": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "5.00"}]},
        }[kind]
        event = {"id": f"evt-{i}", "type": kind, "timestamp": when, "properties": props}
        if kind == "page_viewed" and rng.random() < 0.5:
            event["anonymous_id"] = f"anon-{customer}"
        else:
            event["customer_id"] = f"c{customer}"
            if kind == "identify":
                event["anonymous_id"] = f"anon-{customer}"
        events.append(event)
    return events


def test_events_sent_one_to_three_times_in_shuffled_concurrent_batches_are_stored_once(any_app):
    rng = random.Random(11)
    events = _events(1000)
    stream = [dict(e) for e in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(stream)
    batches = [stream[i:i + 100] for i in range(0, len(stream), 100)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda batch: _ingest_in_own_context(any_app, batch), batches))

    assert sum(r.accepted for r in results) == 1000
    assert sum(r.accepted + r.duplicates for r in results) == len(stream)
    db.session.expire_all()
    assert _count(CustomerEvent) == 1000
    assert _count(Order) == sum(1 for e in events if e["type"] == "order_placed")
    unlinked = db.session.scalar(db.select(db.func.count()).where(CustomerEvent.customer_id.is_(None)))
    assert unlinked == 0
    # Every order is counted once in its customer's facts, however the batches interleaved.
    assert db.session.scalar(db.select(db.func.sum(Customer.order_count))) == _count(Order)


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_deadlocked_batch_is_rolled_back_and_run_again_whole(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.services.shop_events import ingestion

    real_link, calls = ingestion._link_events, []

    def deadlock_once(owners, cache):
        calls.append(len(owners))
        if len(calls) == 1:  # after the events were stored and applied: all of it must be undone
            raise OperationalError("UPDATE customer_events …", {}, _Deadlock())
        return real_link(owners, cache)

    monkeypatch.setattr(ingestion, "_link_events", deadlock_once)
    result = ingest_events(_events(20))
    assert calls == [20, 20] and result.accepted == 20
    assert _count(CustomerEvent) == 20
    assert db.session.scalar(db.select(db.func.sum(Customer.order_count))) == _count(Order)


def test_other_database_errors_are_not_retried(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.services.shop_events import ingestion

    calls = []

    def broken(owners, cache):
        calls.append(1)
        raise OperationalError("UPDATE …", {}, Exception("disk I/O error"))

    monkeypatch.setattr(ingestion, "_link_events", broken)
    with pytest.raises(OperationalError):
        ingest_events(_events(3))
    assert calls == [1] and _count(CustomerEvent) == 0


def test_concurrent_batches_on_sqlite_never_surface_database_is_locked(app):
    """D1 for ingestion: 8 writers with batches of 250, each a BEGIN IMMEDIATE transaction; every
    call succeeds and every acknowledged event is stored."""
    events = _events(4000)
    batches = [[{**e, "id": f"{e['id']}-{n}"} for e in events[n * 250:(n + 1) * 250]] for n in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda batch: _ingest_in_own_context(app, batch), batches))
    assert sum(r.accepted for r in results) == 4000
    db.session.expire_all()
    assert _count(CustomerEvent) == 4000


def test_a_batch_that_waited_out_the_busy_timeout_for_this_process_s_writer_is_run_again(app, monkeypatch):
    """On a loaded machine a batch can wait the whole busy timeout behind this process's other
    writers: that is SQLite's "database is locked" in another form, and is retried the same way."""
    from app import database
    from app.services.shop_events import ingestion

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)
    held, release = threading.Event(), threading.Event()

    def writer_elsewhere():  # another request of this process, in the middle of its transaction
        with app.app_context():
            with db.engine.begin():
                held.set()
                release.wait(timeout=30)

    real_transient, seen = ingestion._transient, []

    def transient_then_free(exc):
        seen.append(type(exc.orig).__name__)
        release.set()  # the other writer commits once this batch has given up its first try
        other.join(timeout=30)
        return real_transient(exc)

    monkeypatch.setattr(ingestion, "_transient", transient_then_free)
    other = threading.Thread(target=writer_elsewhere)
    other.start()
    assert held.wait(timeout=30)
    result = ingest_events(_events(5))
    assert seen == ["WriterBusy"] and result.accepted == 5 and _count(CustomerEvent) == 5
