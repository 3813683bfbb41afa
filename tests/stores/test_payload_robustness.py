"""Real stores send payloads with fields missing, null or odd: whatever a delivery lacks, the
webhook answers (200 or a 4xx saying what is wrong), never 500, and keeps what it can."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from app.services.platform.audit import CLI
from app.services.stores import connections, shopify, woocommerce

PAYLOADS = Path(__file__).parent / "payloads"
SHOPIFY = {name: json.loads((PAYLOADS / f"shopify_{name}.json").read_text())
           for name in ("order", "refund", "cart", "checkout", "customer")}
WOO = {name: json.loads((PAYLOADS / f"woocommerce_{name}.json").read_text())
       for name in ("order", "guest_order", "customer")}
ODD = [None, "", 0, -1, "not a date", [], {}, "1e309", "NaN", "\u0000"]


def _variants(payload: dict):
    """The payload with each top-level field, and each field of its first line item, dropped or set odd."""
    for key in payload:
        yield {k: v for k, v in payload.items() if k != key}
        for value in ODD[:5]:
            yield payload | {key: value}
    lines = payload.get("line_items")
    if isinstance(lines, list) and lines and isinstance(lines[0], dict):
        for key in lines[0]:
            for value in (None, "", -1, "x"):
                variant = copy.deepcopy(payload)
                variant["line_items"][0][key] = value
                yield variant


SHOPIFY_TOPICS = {"order": "orders/updated", "refund": "refunds/create", "cart": "carts/update",
                  "checkout": "checkouts/update", "customer": "customers/update"}
WOO_TOPICS = {"order": "order.updated", "guest_order": "order.updated", "customer": "customer.updated"}


@pytest.mark.parametrize("name", sorted(SHOPIFY))
def test_shopify_deliveries_with_odd_fields_never_fail(app, name):
    connections.connect("shopify", shop="tea.myshopify.com", webhook_secret="whsec_1", by=CLI)
    client = app.test_client()
    for n, variant in enumerate(_variants(SHOPIFY[name])):
        body = json.dumps(variant).encode()
        response = client.post("/webhooks/shopify", data=body, content_type="application/json", headers={
            "X-Shopify-Topic": SHOPIFY_TOPICS[name], "X-Shopify-Shop-Domain": "tea.myshopify.com",
            "X-Shopify-Webhook-Id": f"{name}-{n}", "X-Shopify-Hmac-Sha256": shopify.signature(body, "whsec_1")})
        assert response.status_code < 500, (variant, response.get_data(as_text=True))


@pytest.mark.parametrize("name", sorted(WOO))
def test_woocommerce_deliveries_with_odd_fields_never_fail(app, name):
    connections.connect("woocommerce", shop="https://shop.example", webhook_secret="wc_1", by=CLI)
    client = app.test_client()
    for n, variant in enumerate(_variants(WOO[name])):
        body = json.dumps(variant).encode()
        response = client.post("/webhooks/woocommerce", data=body, content_type="application/json", headers={
            "X-WC-Webhook-Topic": WOO_TOPICS[name], "X-WC-Webhook-Source": "https://shop.example/",
            "X-WC-Webhook-Delivery-ID": f"{name}-{n}", "X-WC-Webhook-Signature": woocommerce.signature(body, "wc_1")})
        assert response.status_code < 500, (variant, response.get_data(as_text=True))
