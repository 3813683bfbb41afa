"""Refund by line, refund whole, cancel and resend from the console, through the store's API (the
fake Shopify): the confirmation says exactly what will happen, a double click refunds once, agents
are held to the admin's limit, the store's refusal is shown in its words, and the customer's value
changes at once."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer, Order, StoreOrderAction
from app.services.platform.audit import CLI
from app.services.shop_events.ingestion import ingest_events
from app.services.stores import connections, shopify
from tests.support.fake_shopify import FakeShopify
from tests.support.html import csrf_from

ORDER = json.loads((Path(__file__).parent / "payloads" / "shopify_order.json").read_text())
SHOP = "tea-and-things.myshopify.com"
TOKEN = "shpat_fake_token"


@pytest.fixture
def fake():
    with FakeShopify(token=TOKEN, orders=[copy.deepcopy(ORDER)]) as store:
        yield store


@pytest.fixture
def order(app, fake):
    connections.connect("shopify", shop=SHOP, webhook_secret="whsec_1", access_token=TOKEN, api_url=fake.url, by=CLI)
    ingest_events(shopify.order_events(ORDER), source="shopify")
    return db.session.scalar(db.select(Order).where(Order.external_order_id == str(ORDER["id"])))


def _pages(client, order: Order, **origin):
    base = f"/console/customers/{order.customer_id}/orders/{order.id}"
    page = client.get(base, query_string=origin)
    return base, page


def test_an_admin_refunds_one_line_and_the_store_records_it(client, admin, order, fake):
    base, page = _pages(client, order)
    assert page.status_code == 200 and "Review refund of these items" in page.get_data(as_text=True)
    first = order.items[0]
    review = client.post(f"{base}/review", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                 "action": "refund", "scope": "lines", f"qty-{first.id}": "1"})
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and f"Refund 1 × {first.name}" in html and "199.00 EUR" in html
    form = {"csrf_token": csrf_from(html), "action": "refund", "key": csrf_from(html) and _key(html),
            f"qty-{first.id}": "1"}
    done = client.post(f"{base}/confirm", data=form, follow_redirects=True)
    assert done.status_code == 200
    again = client.post(f"{base}/confirm", data=form)  # a double click: the same key
    assert again.status_code == 302
    assert len(fake.refunds) == 1 and fake.refunded_lines(ORDER["id"]) == {int(first.external_line_id): 1}
    assert db.session.scalar(db.select(db.func.count(StoreOrderAction.id))) == 1
    customer = db.session.get(Customer, order.customer_id)
    db.session.refresh(customer)
    assert customer.lifetime_value < Decimal("403.00")
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "store.order_refund"))


def _key(html: str) -> str:
    marker = 'name="key" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def test_agents_are_held_to_the_admins_refund_limit(client, make_agent, auth, order):
    agent = make_agent("agent")
    auth.login(agent.email)
    base, page = _pages(client, order)
    review = client.post(f"{base}/review", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                 "action": "refund", "scope": "order"})
    assert review.status_code == 403 and "Agents may refund up to 100.00" in review.get_data(as_text=True)


def test_the_stores_refusal_is_shown_in_its_words(client, admin, order, fake, app):
    app.config["HELPDESK_STORE_API_ATTEMPTS"] = 1
    base, page = _pages(client, order)
    html = client.post(f"{base}/review", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                               "action": "cancel"}).get_data(as_text=True)
    fake.fail_next(500, times=3)
    done = client.post(f"{base}/confirm", data={"csrf_token": csrf_from(html), "action": "cancel", "key": _key(html)},
                       follow_redirects=True)
    assert "The store refused" in done.get_data(as_text=True)
    assert db.session.scalar(db.select(StoreOrderAction.status)) == "failed"


def test_the_sidebar_links_each_store_order_to_its_actions(client, admin, order):
    html = client.get(f"/console/customers/{order.customer_id}/panel", query_string={"conversation": 7}) \
        .get_data(as_text=True)
    assert f"/console/customers/{order.customer_id}/orders/{order.id}?conversation=7" in html
