"""Settings › Store: an admin connects a store, sees the webhook URL and the connection's health;
agents cannot open it; a refused value is explained next to its field."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import StoreConnection
from app.services.platform.audit import CLI
from app.services.stores import connections
from tests.support.fake_shopify import FakeShopify
from tests.support.html import csrf_from


@pytest.fixture
def fake_store():
    """The store's API on loopback: a connection made with an access token imports its history."""
    with FakeShopify(token="shpat_abcdef0123456789") as store:
        yield store


def test_an_admin_connects_a_shopify_store_and_sees_where_to_paste_the_webhook_url(client, admin, post_form,
                                                                                    fake_store):
    page = client.get("/console/settings/store")
    assert page.status_code == 200 and "Connect your store" in page.get_data(as_text=True)
    response = post_form("/console/settings/store", {
        "platform": "shopify", "shop": "tea-shop.myshopify.com", "webhook_secret": "whsec_0123456789",
        "access_token": "shpat_abcdef0123456789", "api_url": fake_store.url}, page="/console/settings/store",
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "tea-shop.myshopify.com connected" in html
    assert "http://127.0.0.1:5000/webhooks/shopify" in html and "orders/create" in html
    assert "whsec_0123456789" not in html and "shpat_abcdef0123456789" not in html and "…6789" in html
    assert "Its history is being imported" in html and 'data-store-import="done"' in html  # eager jobs


def test_a_wrong_address_is_explained_and_nothing_is_connected(client, admin, post_form):
    response = post_form("/console/settings/store", {"platform": "shopify", "shop": "tea.example.com",
                                                     "webhook_secret": "s"}, page="/console/settings/store")
    assert response.status_code == 400 and "myshopify.com" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(StoreConnection.id))) == 0


def test_updating_credentials_keeps_the_saved_secret_when_left_empty(client, admin, post_form, fake_store):
    store = connections.connect("shopify", shop="tea-shop.myshopify.com", webhook_secret="whsec_1",
                                api_url=fake_store.url, by=CLI)
    post_form("/console/settings/store", {"platform": "shopify", "shop": "tea-shop.myshopify.com",
                                          "access_token": "shpat_abcdef0123456789"}, page="/console/settings/store")
    db.session.expire_all()
    secrets = connections.secrets(db.session.get(StoreConnection, store.id))
    assert secrets.webhook == ("whsec_1",) and secrets.access_token == "shpat_abcdef0123456789"


def test_the_health_shows_counts_and_the_last_refusal(client, admin):
    store = connections.connect("shopify", shop="tea-shop.myshopify.com", webhook_secret="whsec_1", by=CLI)
    connections.count_delivery(store.id, "refused", "orders/create", reason="signature does not match the secret")
    db.session.commit()
    html = client.get("/console/settings/store").get_data(as_text=True)
    assert 'data-count="refused">1<' in html and "signature does not match the secret" in html


def test_an_admin_disconnects_a_store(client, admin):
    store = connections.connect("shopify", shop="tea-shop.myshopify.com", webhook_secret="whsec_1", by=CLI)
    token = csrf_from(client.get("/console/settings/store").get_data(as_text=True))
    client.post(f"/console/settings/store/{store.id}/disconnect", data={"csrf_token": token})
    assert db.session.scalar(db.select(db.func.count(StoreConnection.id))) == 0


def test_agents_cannot_open_store_settings(client, make_agent, auth):
    agent = make_agent("agent")
    auth.login(agent.email)
    assert client.get("/console/settings/store").status_code == 403


def test_an_admin_sets_what_agents_may_do_with_orders(client, admin, post_form):
    from app.services.stores import order_actions
    connections.connect("shopify", shop="tea-shop.myshopify.com", webhook_secret="whsec_1", by=CLI)
    response = post_form("/console/settings/store/order-actions", {"agents_refund": "y", "agent_refund_limit": "25.50"},
                         page="/console/settings/store")
    assert response.status_code == 302
    policy = order_actions.policy()
    assert policy.agents_refund and str(policy.agent_refund_limit) == "25.50" and not policy.agents_cancel
