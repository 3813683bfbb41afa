"""GET /widget/nps: the NPS card that /widget.js frames over its launcher, framable by the allowed
shops only, in the shop page's language, with no inline script or style, and a scale whose ends
say what they mean."""

from __future__ import annotations

import re

import pytest

from tests.widget.test_chat_page import SHOPS, directives


def test_only_the_allowed_shops_may_frame_the_card(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    response = client.get("/widget/nps")
    policy = directives(response)
    assert response.status_code == 200 and policy["frame-ancestors"].split() == SHOPS
    assert "X-Frame-Options" not in response.headers and policy["script-src"] == "'self'"
    app.config["HELPDESK_ALLOWED_ORIGINS"] = []
    closed = client.get("/widget/nps")
    assert directives(closed)["frame-ancestors"] == "'none'" and closed.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("lang,expected", [("pt", "pt"), ("nl", "nl"), ("en", "en"), ("fr", "en"), ('"><x', "en")])
def test_the_card_follows_the_shop_language_of_the_catalogue(client, lang, expected):
    html = client.get("/widget/nps", query_string={"lang": lang}).get_data(as_text=True)
    assert re.search(r'<html lang="([^"]*)">', html).group(1) == expected


def test_the_card_is_a_radio_group_of_eleven_scores_without_inline_script(app, client):
    app.config["HELPDESK_ALLOWED_ORIGINS"] = SHOPS
    html = client.get("/widget/nps").get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/js/shared/visitor_token.js" defer>', '<script src="/static/js/widget_nps.js" defer>']
    assert "style=" not in html and """data-origins='["https://shop.example", "http://localhost:5001"]'""" in html
    assert re.findall(r'type="radio" name="score" id="nps-score-(\d+)" value="\1"', html) == [str(n) for n in range(11)]
    assert '<legend class="nps__question" data-text="question">' in html
    assert 'data-text="score_low"' in html and 'data-text="score_high"' in html
    assert 'maxlength="2000"' in html
