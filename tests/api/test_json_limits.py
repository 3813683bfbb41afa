"""Every JSON body goes through the one bounded parser: absurdly deep documents (a RecursionError
in the standard library) and merely too-deep ones (past HELPDESK_JSON_MAX_DEPTH) are a 400 with
the API's JSON error body on every endpoint, whoever parses it (webargs through flask-smorest,
json_body, Flask's get_json); never a 500."""

from __future__ import annotations

import flask_smorest
import pytest
from flask import request
from werkzeug.exceptions import BadRequest

from app.services.access import api_keys, visitor_tokens
from app.services.platform.audit import CLI

ABSURD = "[" * 50_000 + "]" * 50_000
TOO_DEEP = '{"comment": ' + "[" * 39 + "]" * 39 + "}"  # 40 levels: valid JSON, over the limit of 32


def api_key() -> dict:
    return {"Authorization": f"Bearer {api_keys.create_api_key('Shop', by=CLI).secret}"}


def visitor() -> dict:
    return {"Authorization": f"Bearer {visitor_tokens.issue_visitor_token('anon-deep').token}"}


ENDPOINTS = {
    "tickets": ("/api/v1/tickets", api_key),  # webargs (bp.arguments), API key
    "events": ("/api/v1/events", api_key),  # json_body, API key
    "survey_answer": ("/api/v1/widget/surveys/1/answer", visitor),  # webargs, a free visitor token
    "widget_session": ("/api/v1/widget/session", dict),  # json_body, anonymous (a native client: no Origin)
}


@pytest.mark.parametrize("body", [ABSURD, TOO_DEEP], ids=["50000-deep", "40-deep"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_deep_json_is_a_400_with_a_json_error_on_every_endpoint(client, endpoint, body):
    path, headers = ENDPOINTS[endpoint]
    response = client.post(path, data=body, content_type="application/json", headers=headers())
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.is_json and response.json["error"]["code"] == "bad_request"
    assert "nested more than 32 levels" in response.json["error"]["message"].lower()


def test_the_depth_limit_comes_from_config(app, client):
    app.config["HELPDESK_JSON_MAX_DEPTH"] = 2
    response = client.post("/api/v1/tickets", json={"subject": "s", "body": "b", "tags": [["x"]]}, headers=api_key())
    assert response.status_code == 400 and "2 levels" in response.json["error"]["message"]


def test_every_api_blueprint_parses_with_the_bounded_parser(app):
    from app.api.blueprint import BoundedParser  # here: the HTTP tests above run without it too

    smorest = [bp for bp in app.blueprints.values() if isinstance(bp, flask_smorest.Blueprint)]
    assert len(smorest) >= 10
    assert all(isinstance(bp.ARGUMENTS_PARSER, BoundedParser) for bp in smorest), [
        bp.name for bp in smorest if not isinstance(bp.ARGUMENTS_PARSER, BoundedParser)]


def test_flask_get_json_uses_the_same_parser(app):
    with app.test_request_context(data=ABSURD, content_type="application/json"):
        with pytest.raises(BadRequest):
            request.get_json()
    with app.test_request_context(data='{"a\\u0000": "b\\u0007\\ud800"}', content_type="application/json"):
        assert request.get_json() == {"a": "b\ufffd"}
