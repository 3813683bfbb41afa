"""POST /api/v1/events and GET /api/v1/customers/<id> over HTTP."""

import json

import pytest

from app.extensions import db
from app.models import CustomerEvent
from app.services.access import api_keys
from app.services.platform.audit import CLI
from tests.factories import at, cart, event, items, order


@pytest.fixture
def auth_header(app):
    return {"Authorization": f"Bearer {api_keys.create_api_key('Shop', by=CLI).secret}"}


def post(client, headers, body, **kwargs):
    return client.post("/api/v1/events", data=json.dumps(body), content_type="application/json",
                       headers=headers, **kwargs)


def stored() -> int:
    return db.session.scalar(db.select(db.func.count(CustomerEvent.id)))


def test_single_event_is_accepted(client, auth_header):
    response = post(client, auth_header, event("signed_up", customer="c1"))
    assert response.status_code == 202
    assert response.json == {"accepted": 1, "duplicates": 0, "rejected": []}


def test_batch_counts_accepted_duplicates_and_rejected(client, auth_header):
    good = event("identify", {"email": "a@example.com"}, customer="c1")
    response = post(client, auth_header, {"batch": [good, good, {"id": "bad"}]})
    assert response.status_code == 202
    body = response.json
    assert (body["accepted"], body["duplicates"]) == (1, 1)
    assert body["rejected"][0]["index"] == 2 and "type" in body["rejected"][0]["reason"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer hd_nope"}])
def test_bad_keys_are_refused_and_nothing_stored(client, headers):
    response = post(client, headers, event("signed_up", customer="c1"))
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert stored() == 0


def test_malformed_json_is_400(client, auth_header):
    response = client.post("/api/v1/events", data="{not json", content_type="application/json", headers=auth_header)
    assert response.status_code == 400 and "not valid JSON" in response.json["error"]["message"]


def test_wrong_content_type_is_415(client, auth_header):
    response = client.post("/api/v1/events", data="a=b", content_type="application/x-www-form-urlencoded",
                           headers=auth_header)
    assert response.status_code == 415 and response.json["error"]["code"] == "unsupported_media_type"


def test_batch_over_500_is_413(client, auth_header):
    batch = [event("signed_up", customer=f"c{i}") for i in range(501)]
    response = post(client, auth_header, {"batch": batch})
    assert response.status_code == 413 and stored() == 0


def test_body_over_the_limit_is_413(app, client, auth_header):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    big = event("custom_thing", {"blob": "x" * 4096}, customer="c1")
    assert post(client, auth_header, big).status_code == 413 and stored() == 0


@pytest.mark.parametrize("body", [[], "text", 5, {"batch": []}, {"batch": "x"}])
def test_bodies_that_are_not_events_are_400(client, auth_header, body):
    assert post(client, auth_header, body).status_code == 400


def test_deep_nesting_is_rejected_not_crashing(client, auth_header):
    deep = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/events", data=deep, content_type="application/json", headers=auth_header)
    assert 400 <= response.status_code < 500


def test_event_over_32_kb_is_rejected(client, auth_header):
    big = event("custom_thing", {"blob": "x" * 33_000}, customer="c1")
    response = post(client, auth_header, {"batch": [big, event("signed_up", customer="c2")]})
    assert response.json["accepted"] == 1 and "32 KB" in str(response.json["rejected"][0]["reason"])


def test_future_timestamp_is_rejected(client, auth_header):
    late = event("signed_up", customer="c1", when="2099-01-01T00:00:00Z")
    response = post(client, auth_header, late)
    assert response.json["rejected"][0]["reason"] == {"timestamp": ["Must not be more than 24 hours in the future."]}


def test_profile_api(client, auth_header):
    post(client, auth_header, {"batch": [
        event("page_viewed", {"url": "https://shop.test/", "utm_source": "news"}, when=at(0), anonymous="a1"),
        event("identify", {"email": "kim@example.com", "name": "Kim"}, when=at(1), customer="kim", anonymous="a1"),
        event("cart_updated", cart(items(("MUG", 2, "12.50")), "25.00"), when=at(2), customer="kim"),
        event("order_placed", order("o-1", items(("MUG", 2, "12.50")), "25.00"), when=at(3), customer="kim"),
    ]})
    response = client.get("/api/v1/customers/kim", headers=auth_header)
    assert response.status_code == 200
    body = response.json
    assert body["stage"] == "conversion" and body["stage_reason"].endswith("→ conversion")
    assert body["customer_id"] == "kim" and body["email"] == "kim@example.com"
    assert body["cart"]["items"][0] == {"sku": "MUG", "name": "Product MUG", "quantity": 2, "unit_price": "12.50"}
    assert body["orders"][0]["order_id"] == "o-1" and body["orders"][0]["items"][0]["sku"] == "MUG"
    assert body["lifetime_value"] == "25.00" and body["order_count"] == 1
    assert body["segment"] == "new_customer" and body["rfm"] == {"recency": 5, "frequency": 1, "monetary": 1}
    assert [t["to_stage"] for t in body["stage_history"]] == ["reach", "acquisition", "conversion"]
    assert body["lead_source"]["utm_source"] == "news"


def test_profile_of_an_unknown_customer_is_a_json_404(client, auth_header):
    response = client.get("/api/v1/customers/nobody", headers=auth_header)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_openapi_documents_the_events_request(client):
    spec = client.get("/api/v1/openapi.json").json
    body = spec["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/Event"} in body["oneOf"]
    assert "timestamp" in spec["components"]["schemas"]["Event"]["properties"]
    assert "/api/v1/customers/{customer_id}" in spec["paths"]
