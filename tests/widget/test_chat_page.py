"""GET /widget/chat: the chat page that /widget.js frames on a shop, framable by the allowed shops only;
and POST /api/v1/widget/session from that page, which has the helpdesk's own origin."""

from __future__ import annotations

import re

import pytest

SHOPS = ["https://shop.example", "http://localhost:5001"]
OWN = "http://localhost"  # the test client's host
SESSION_URL = "/api/v1/widget/session"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_only_the_allowed_shops_may_frame_the_chat(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    response = client.get("/widget/chat")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["frame-ancestors"].split() == SHOPS
    assert "X-Frame-Options" not in response.headers  # it would deny every frame
    # The rest of the default policy still holds.
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'" and policy["connect-src"] == "'self'"


def test_without_allowed_shops_the_chat_is_not_framable(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = []
    response = client.get("/widget/chat")
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_other_pages_stay_unframable(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    response = client.get("/console/login")
    assert directives(response)["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("lang,expected", [("pt", "pt"), ("nl", "nl"), ("en", "en"), ("de", "en"), ('"><x', "en")])
def test_the_page_follows_the_shop_language_of_the_catalogue(client, lang, expected):
    html = client.get("/widget/chat", query_string={"lang": lang}).get_data(as_text=True)
    assert re.search(r'<html lang="([^"]*)">', html).group(1) == expected


def test_the_page_carries_the_allowed_origins_and_no_inline_script(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    html = client.get("/widget/chat").get_data(as_text=True)
    assert """data-origins='["https://shop.example", "http://localhost:5001"]'""" in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/vendor/socket.io.min.js" defer>',
        '<script src="/static/js/shared/uuid.js" defer>', '<script src="/static/js/shared/visitor_token.js" defer>',
        '<script src="/static/js/widget_texts.js" defer>',
        '<script src="/static/js/widget_requests.js" defer>',
        '<script src="/static/js/widget_articles.js" defer>',
        '<script src="/static/js/widget_survey.js" defer>', '<script src="/static/js/widget_chat.js" defer>']
    assert "style=" not in html


def test_the_chat_page_gets_a_token_from_the_helpdesk_own_origin(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    response = client.post(SESSION_URL, json={"anonymous_id": "anon-frame"}, headers={"Origin": OWN})
    assert response.status_code == 200 and response.json["token"]


@pytest.mark.parametrize("origin", ["http://localhost:8080", "https://localhost", "https://evil.example", "null"])
def test_other_origins_still_get_no_token(app, client, origin):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    assert client.post(SESSION_URL, json={"anonymous_id": "anon-x"}, headers={"Origin": origin}).status_code == 403


def test_a_native_app_without_an_origin_gets_a_token_but_sends_no_events(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    response = client.post(SESSION_URL, json={"anonymous_id": "app-device-1"})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers
    events = client.post("/api/v1/widget/events", json={"anonymous_id": "app-device-1", "events": []})
    assert events.status_code == 403


def test_events_are_still_refused_from_the_helpdesk_own_origin(app, client):
    # Only the token endpoint serves the chat page; shops' events never come from our own pages.
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    response = client.post("/api/v1/widget/events", json={"anonymous_id": "a", "events": []}, headers={"Origin": OWN})
    assert response.status_code == 403
