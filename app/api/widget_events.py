"""POST /api/v1/widget/events: events from the shop's pages, sent by /widget.js; and
POST /api/v1/widget/session: the visitor token for the live chat (/chat socket).

Public (no API key: the page cannot keep one secret), so it is guarded differently: the Origin must
be a shop in HELPDESK_ALLOWED_ORIGINS, CORS answers name that origin only and never allow
credentials, requests are rate limited per client address, and who the visitor is needs a user_hash.
"""

from __future__ import annotations

import logging

from flask import abort, current_app, request
from flask_smorest import abort as abort_with_messages
from marshmallow import ValidationError

from app.api.blueprint import Blueprint
from app.api.json_body import json_body
from app.api.schemas import IngestResultSchema, WidgetSessionRequestSchema, WidgetSessionSchema
from app.extensions import csrf, limiter
from app.services.access.visitor_tokens import issue_visitor_token
from app.services.shop_events.browser import BrowserEventsSchema, record_browser_events
from app.services.stores import cart_tokens

log = logging.getLogger(__name__)

bp = Blueprint(
    "widget_events", __name__, url_prefix="/api/v1/widget",
    description="Events from the shop's pages (the /widget.js script). No API key: checked by Origin.",
)
# No cookies are read here, so there is nothing for a forged cross-site request to ride on.
csrf.exempt(bp)

PREFLIGHT_MAX_AGE = 600
REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BrowserEvents"}}},
}


def _allowed_origin() -> str | None:
    origin = request.headers.get("Origin")
    if origin and origin in current_app.config["HELPDESK_ALLOWED_ORIGINS"]:
        return origin
    # The chat iframe (/widget/chat) is a page of ours, so it asks for its token from our own origin;
    # events still come only from the shops' pages.
    own = request.host_url.rstrip("/")
    return origin if origin == own and request.endpoint == "widget_events.post_widget_session" else None


def _native_client() -> bool:
    """A token request with no Origin at all: not a browser (browsers send Origin on every POST
    fetch), so a native app. The Origin check keeps other web sites from using the chat through
    visitors' browsers; a non-browser client could send any Origin it liked, so refusing it a
    token would protect nothing."""
    return request.headers.get("Origin") is None and request.endpoint == "widget_events.post_widget_session"


@bp.before_request
def check_origin():
    """Only pages of the configured shops may send events (a server uses /api/v1/events); visitor
    tokens also go to the chat page and to native apps."""
    if _allowed_origin() is None and not _native_client():
        origin = (request.headers.get("Origin") or "")[:200]
        log.info("widget events refused", extra={"reason": "origin", "origin": origin})
        abort(403, description="This site's Origin is not allowed to send events. Add it to HELPDESK_ALLOWED_ORIGINS; "
                               "a shop's server sends events to /api/v1/events with an API key.")


@bp.after_request
def cors_headers(response):
    """CORS for the allowed shop (the preflight and the answer, errors included): that origin only,
    no credentials."""
    origin = _allowed_origin()
    response.vary.add("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _client_bucket() -> str:
    # remote_addr is the peer unless HELPDESK_PROXY_HOPS trusts a proxy: X-Forwarded-For cannot open
    # new buckets.
    return f"widget-ip:{request.remote_addr}"


@bp.route("/events", methods=["POST"])
@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_WIDGET_EVENTS"], key_func=_client_bucket, methods=["POST"])
@bp.doc(requestBody=REQUEST_BODY, security=[])
@bp.response(202, IngestResultSchema)
def post_widget_events():
    """Ingest up to 50 events about one visitor, from a shop's page.

    With customer_id, user_hash must prove it (else 403, nothing stored); order_placed needs that
    proof; event types a page may not send are rejected one by one, like invalid events."""
    try:
        envelope = BrowserEventsSchema().load(json_body())
    except ValidationError as exc:
        abort_with_messages(422, messages={"json": exc.messages})
    result = record_browser_events(envelope)
    cart_tokens.remember_reported(envelope["anonymous_id"], envelope["events"])  # a Shopify theme's cart
    return result


@bp.route("/session", methods=["POST"])
@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_WIDGET_EVENTS"], key_func=_client_bucket, methods=["POST"])
@bp.doc(security=[])
@bp.response(200, WidgetSessionSchema)
def post_widget_session():
    """A signed visitor token for the /chat socket (docs/widget-protocol.md).

    {anonymous_id, customer_id?, user_hash?}: with customer_id, user_hash must prove it (else 403);
    the token then also opens that customer's history. Answers {token, expires_at}."""
    try:
        body = WidgetSessionRequestSchema().load(json_body())
    except ValidationError as exc:
        abort_with_messages(422, messages={"json": exc.messages})
    issued = issue_visitor_token(body["anonymous_id"], body["customer_id"], body["user_hash"])
    return {"token": issued.token, "expires_at": issued.expires_at}
