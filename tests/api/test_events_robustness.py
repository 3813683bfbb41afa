"""I4: input that violates the events API's contract gets a 4xx with a JSON error body, never a
5xx, and nothing is stored; on SQLite and PostgreSQL (which refuses more, e.g. NUL characters)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Customer, CustomerEvent
from app.services.access import api_keys
from app.services.platform.audit import CLI

NOW = datetime.now(UTC)


def good(**changes) -> dict:
    event = {"id": "evt-1", "type": "page_viewed", "customer_id": "c-1", "timestamp": NOW.isoformat(),
             "properties": {"url": "https://shop.test/"}}
    event.update(changes)
    return {k: v for k, v in event.items() if v is not ...}


def raw_custom(properties: str) -> str:
    """A custom event whose properties are raw JSON text: what json.dumps would not write."""
    return json.dumps(good(type="custom_thing", properties={"p": 0})).replace('{"p": 0}', properties)


def nested(depth: int):
    value = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture
def api(any_app):
    """A test client and an API key's headers, on each database."""
    headers = {"Authorization": f"Bearer {api_keys.create_api_key('Shop', by=CLI).secret}"}
    return any_app.test_client(), headers


def send(api, data, content_type="application/json"):
    client, headers = api
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post("/api/v1/events", data=body, content_type=content_type, headers=headers)


def assert_refused(response, status: int | None = None) -> None:
    """A 4xx (the given one, when given) with the API's JSON error body, and nothing stored."""
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json and {"code", "message"} <= set(response.json["error"]), response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(CustomerEvent.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 0


@pytest.mark.parametrize("body", ['{"id": ', "", "null x", '{"a": 1}{', "[1,]", b"\xff\xfe{}", "{'id': 1}"])
def test_malformed_json_is_400(api, body):
    assert_refused(send(api, body), 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml", ""])
def test_wrong_content_type_is_415(api, content_type):
    assert_refused(send(api, json.dumps(good()), content_type=content_type), 415)


def test_oversized_body_is_413(any_app, api):
    any_app.config["MAX_CONTENT_LENGTH"] = 4096
    assert_refused(send(api, good(properties={"url": "https://shop.test/", "x": "y" * 8000})), 413)


def test_batch_over_500_is_413(api):
    assert_refused(send(api, {"batch": [good(id=f"e{i}") for i in range(501)]}), 413)


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_absurdly_deep_documents_are_400(api, body):
    assert_refused(send(api, body), 400)


def test_deeply_nested_properties_are_refused(api):
    # The one JSON parser refuses the document past HELPDESK_JSON_MAX_DEPTH, before any schema.
    response = send(api, good(type="custom_thing", properties={"deep": nested(40)}))
    assert_refused(response, 400)
    assert "levels deep" in response.json["error"]["message"]


def test_unknown_top_level_fields_are_refused(api):
    response = send(api, good(color="red"))
    assert_refused(response, 422)
    assert "color" in response.json["error"]["fields"]
    assert_refused(send(api, {"batch": [good()], "extra": True}), 400)


@pytest.mark.parametrize("changes", [
    {"id": 123}, {"id": ""}, {"id": "x" * 129}, {"type": ["page_viewed"]}, {"type": "Page Viewed"},
    {"timestamp": 1700000000}, {"timestamp": "yesterday"}, {"customer_id": {"id": 1}}, {"properties": []},
    {"properties": {"url": 5}}, {"customer_id": ..., "anonymous_id": ...},
    {"type": "cart_updated", "properties": {"items": "A", "currency": "EUR", "total": "1"}},
    {"type": "cart_updated", "properties": {"items": [{"sku": "A", "name": "A", "quantity": "2", "unit_price": "1"}],
                                             "currency": "EUR", "total": "2"}},
    {"type": "order_placed", "properties": {"order_id": "o", "items": [], "currency": "euro", "total": "1"}},
    {"type": "order_placed", "properties": {"order_id": "o", "items": [], "currency": "EUR", "total": "1e400"}},
    {"type": "nps_submitted", "properties": {"score": 11}},
    {"type": "nps_submitted", "properties": {"score": True}},
])
def test_wrong_types_and_values_are_422(api, changes):
    assert_refused(send(api, good(**changes)), 422)


def test_missing_id_is_422(api):
    response = send(api, good(id=...))
    assert_refused(response, 422)
    assert "id" in response.json["error"]["fields"]


def test_timestamp_more_than_a_day_ahead_is_422(api):
    response = send(api, good(timestamp=(NOW + timedelta(hours=25)).isoformat()))
    assert_refused(response, 422)
    assert "timestamp" in response.json["error"]["fields"]


@pytest.mark.parametrize("body", [raw_custom('{"n": NaN}'), raw_custom('{"n": -Infinity}')])
def test_numbers_the_database_would_refuse_are_422(api, body):
    assert_refused(send(api, body), 422)


@pytest.mark.parametrize(("body", "customer", "properties"), [
    (good(customer_id="c\x00nul"), "cnul", {"url": "https://shop.test/"}),
    (good(type="custom_thing", properties={"note": "bad \x00 byte\x07"}), "c-1", {"note": "bad  byte"}),
    (good(type="custom_thing", properties={"k\x00": 1}), "c-1", {"k": 1}),
    (raw_custom('{"s": "\\ud800"}'), "c-1", {"s": "\ufffd"}),
])
def test_text_the_database_would_refuse_is_normalised_at_the_boundary(api, body, customer, properties):
    # NUL and control characters are removed and lone surrogates replaced as the JSON is parsed
    # (app.json_input), so the event is stored clean instead of refused.
    response = send(api, body)
    assert response.status_code == 202 and response.json["accepted"] == 1, response.get_data(as_text=True)[:300]
    event = db.session.scalar(db.select(CustomerEvent))
    assert (event.external_customer_id, event.properties) == (customer, properties)


def test_a_batch_with_nothing_valid_is_422_with_each_reason(api):
    response = send(api, {"batch": [good(id=...), good(timestamp="soon")]})
    assert_refused(response, 422)
    assert set(response.json["error"]["fields"]) == {"0", "1"}
    assert [r["index"] for r in response.json["rejected"]] == [0, 1]


def test_a_batch_with_some_valid_events_is_still_accepted(api):
    response = send(api, {"batch": [good(), good(id=...)]})
    assert response.status_code == 202 and response.json["accepted"] == 1


@pytest.mark.parametrize("customer_id", ["nul%00byte", "x" * 300, "%ED%A0%80"])
def test_profile_lookup_with_odd_ids_is_404_not_500(api, customer_id):
    client, headers = api
    response = client.get(f"/api/v1/customers/{customer_id}", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
