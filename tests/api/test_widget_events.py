"""POST /api/v1/widget/events over HTTP: origin allow-list, CORS, JSON errors, rate limit (W8, W9)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import CustomerEvent
from app.services.access import widget_identity

SHOP = "https://shop.example"
URL = "/api/v1/widget/events"


@pytest.fixture(autouse=True)
def allowed_shop(app):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = [SHOP, "http://localhost:5001"]


def body(n: int = 1, **extra) -> dict:
    now = datetime.now(UTC).isoformat()
    events = [{"id": f"e-{i}-{now}", "type": "page_viewed", "timestamp": now, "properties": {"url": f"{SHOP}/p{i}"}}
              for i in range(n)]
    return {"anonymous_id": "anon-http", "events": events, **extra}


def count_events() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(CustomerEvent))


def test_an_allowed_shop_page_may_send_events(client):
    response = client.post(URL, json=body(2), headers={"Origin": SHOP})
    assert response.status_code == 202
    assert response.json == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_the_preflight_names_the_shop_and_allows_json_posts(client):
    response = client.options(URL, headers={"Origin": SHOP, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 200
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == SHOP
    assert headers["Access-Control-Allow-Methods"] == "POST"
    assert headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in headers["Vary"] and "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize("origin", ["https://evil.test", "null", "https://shop.example.evil.test", "http://shop.example",
                                    None])
def test_other_origins_are_refused_without_cors_headers(client, origin):
    headers = {"Origin": origin} if origin else {}
    response = client.post(URL, json=body(), headers=headers)
    assert response.status_code == 403
    error = response.json["error"]
    assert error["code"] == "forbidden" and "HELPDESK_ALLOWED_ORIGINS" in error["message"]
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(URL, headers={**headers, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert count_events() == 0


def test_a_wrong_user_hash_gets_a_readable_403_and_nothing_is_stored(client):
    widget_identity.identity_secret()
    response = client.post(URL, json=body(customer_id="cust-1", user_hash="f" * 64), headers={"Origin": SHOP})
    assert response.status_code == 403
    error = response.json["error"]
    assert error["code"] == "identity_not_verified" and "does not match" in error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == SHOP  # so the widget can read why
    assert count_events() == 0


def test_a_valid_user_hash_is_accepted(client):
    response = client.post(URL, json=body(customer_id="cust-1", user_hash=widget_identity.user_hash("cust-1")),
                           headers={"Origin": SHOP})
    assert response.status_code == 202 and response.json["accepted"] == 1
    assert db.session.scalar(db.select(CustomerEvent.external_customer_id)) == "cust-1"


@pytest.mark.parametrize("payload,status", [
    ({"events": []}, 422),
    (body(51), 422),
    ({"anonymous_id": "a", "events": [{"id": "1", "type": "page_viewed"}]}, 422),
    ([1, 2], 422),
])
def test_malformed_requests_get_json_errors(client, payload, status):
    response = client.post(URL, json=payload, headers={"Origin": SHOP})
    assert response.status_code == status
    assert response.json["error"]["code"] == "unprocessable_entity" and response.json["error"]["fields"]
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_non_json_and_broken_json_are_refused(client):
    not_json = client.post(URL, data="anonymous_id=a", headers={"Origin": SHOP})
    assert not_json.status_code == 415
    broken = client.post(URL, data="{", content_type="application/json", headers={"Origin": SHOP})
    assert broken.status_code == 400


def test_requests_are_rate_limited_per_address_whatever_x_forwarded_for_says(app, client):
    app.config["HELPDESK_LIMIT_WIDGET_EVENTS"] = "3 per minute"
    statuses = [
        client.post(URL, json=body(), headers={"Origin": SHOP, "X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(5)
    ]
    assert statuses == [202, 202, 202, 429, 429]
    limited = client.post(URL, json=body(), headers={"Origin": SHOP, "X-Forwarded-For": "198.51.100.7"})
    assert limited.json["error"]["code"] == "too_many_requests"
    assert limited.headers["Access-Control-Allow-Origin"] == SHOP


def test_preflights_are_not_counted_by_the_limit(app, client):
    app.config["HELPDESK_LIMIT_WIDGET_EVENTS"] = "2 per minute"
    for _ in range(5):
        assert client.options(URL, headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"}).status_code == 200
    assert client.post(URL, json=body(), headers={"Origin": SHOP}).status_code == 202


def test_the_endpoint_is_documented_without_an_api_key(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"][URL]["post"]
    assert operation["security"] == []
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/BrowserEvents")
    envelope = spec["components"]["schemas"]["BrowserEvents"]
    assert envelope["properties"]["events"]["maxItems"] == 50
    assert {"anonymous_id", "events"} <= set(envelope["required"])

