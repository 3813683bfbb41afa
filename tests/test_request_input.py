"""Text from outside is normalised once, at the boundary, on SQLite and PostgreSQL (which refuses
NUL in text): forms, query strings, JSON bodies; a URL path with control characters is a 404
before any view runs. Written as an attacker sends it: raw %00, \\u0000 and lone surrogates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import CustomerEvent, KbContact, Ticket, TicketMessage
from app.services.access import api_keys
from app.services.platform.audit import CLI
from tests.conftest import AuthActions
from tests.help_center.test_requests import FORM, form_data

SHOP = "https://shop.example"
DIRTY = "mug\x00 arrived\x07 broken \ud800!"  # what json.dumps writes as \u0000, \u0007, \ud800
CLEAN = "mug arrived broken \ufffd!"


def no_controls(text: str) -> bool:
    return not any(ord(c) < 0x20 and c not in "\t\n\r" or 0xD800 <= ord(c) < 0xE000 for c in text)


def test_a_help_center_request_with_nul_and_controls_is_stored_clean(any_app):
    client = any_app.test_client()
    fields = {**form_data(client), "subject": "Broken\x00 mug\x07"}
    # A lone surrogate cannot be urlencoded from Python: write its would-be UTF-8 bytes by hand.
    body = urlencode({k: v for k, v in fields.items() if k != "body"}) + "&body=Cracked%00%07+mug+%ED%A0%80"
    response = client.post(FORM, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    ticket = db.session.scalar(db.select(Ticket))
    message = db.session.scalar(db.select(TicketMessage))
    assert ticket.subject == "Broken mug" and message.body.startswith("Cracked mug ") and no_controls(message.body)


def test_a_cookie_with_an_escaped_nul_is_read_clean(any_app):
    client = any_app.test_client()
    data = form_data(client)
    # The header carries hc_visitor="visitor\\000key\\007"; werkzeug decodes the octal escapes to
    # NUL and BEL. The help center stores its visitor cookie after the ticket is made.
    client.set_cookie("hc_visitor", "visitor\x00key\x07")
    response = client.post(FORM, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert db.session.scalar(db.select(KbContact.visitor_key)) == "visitorkey"


def test_an_api_ticket_with_nul_controls_and_a_lone_surrogate_is_stored_clean(any_app):
    headers = {"Authorization": f"Bearer {api_keys.create_api_key('Shop', by=CLI).secret}"}
    body = json.dumps({"subject": "Order\x00 7\x07", "body": DIRTY, "email": "ana@example.com", "tags": ["a\x00b"]})
    response = any_app.test_client().post("/api/v1/tickets", data=body, content_type="application/json",
                                          headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    assert (response.json["subject"], response.json["messages"][0]["body"]) == ("Order 7", CLEAN)
    db.session.expire_all()
    assert db.session.scalar(db.select(TicketMessage.body)) == CLEAN


def test_a_widget_event_with_nul_controls_and_a_lone_surrogate_is_stored_clean(any_app):
    any_app.config["HELPDESK_ALLOWED_ORIGINS"] = [SHOP]
    now = datetime.now(UTC).isoformat()
    event = {"id": "e\x00-1", "type": "page_viewed", "timestamp": now,
             "properties": {"url": f"{SHOP}/mugs", "title": DIRTY}}
    response = any_app.test_client().post("/api/v1/widget/events", headers={"Origin": SHOP},
                                          data=json.dumps({"anonymous_id": "anon\x07-1", "events": [event]}),
                                          content_type="application/json")
    assert response.status_code == 202 and response.json["accepted"] == 1, response.get_data(as_text=True)[:300]
    stored = db.session.scalar(db.select(CustomerEvent))
    assert (stored.event_id, stored.anonymous_id, stored.properties["title"]) == ("web:e-1", "anon-1", CLEAN)


@pytest.mark.parametrize("path", ["/help/en/search?q=a%00b", "/help/en/search?q=%ED%A0%80%07",
                                  "/console/tickets?view=all&q=a%00b", "/console/tickets?view=all&q=%00"])
def test_a_search_with_nul_in_the_query_string_is_answered(any_app, make_agent, path):
    client = any_app.test_client()
    AuthActions(client).login(make_agent(name="Bea").email)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("path", ["/help/en/articles/a%00b", "/help/en/categories/x%0Dy", "/api/v1/customers/c%00x",
                                  "/console/tickets/%01", "/help/requests/new%7F"])
def test_a_path_with_control_characters_is_a_404_before_any_view(any_app, path):
    response = any_app.test_client().get(path, headers={"Authorization": "Bearer nothing"})
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


def test_query_and_form_values_are_normalised_but_files_keep_their_bytes():
    from app.request_input import CleanMultiDict  # here: the HTTP tests above run without it too

    upload = FileStorage(BytesIO(b"\x00\x01binary"), filename="a.bin")
    values = CleanMultiDict([("q\x00", "a\x00b"), ("q", "c\x07"), ("file", upload)])
    assert values.getlist("q") == ["ab", "c"] and values["file"].read() == b"\x00\x01binary"
    assert not CleanMultiDict() and CleanMultiDict({"k": "v\x00"}).to_dict() == {"k": "v"}
