"""/api/v1/widget/requests: "Your requests" in the widget, for a shopper whose visitor token was
verified with the shop's user_hash (docs/widget-protocol.md, "8. Your requests").

Authenticated by the chat's own visitor token, sent as `Authorization: Bearer <token>` (never a
cookie, so a forged cross-site request has nothing to ride on and CSRF does not apply; no CORS
headers either: only our chat page and native apps read the answers). An anonymous token gets 403,
another customer's ticket 404 like a missing one. Answers are never cached.
"""

from __future__ import annotations

from flask import g, request, url_for
from marshmallow import Schema, fields

from app.api.auth import bearer_secret
from app.api.blueprint import Blueprint
from app.api.json_body import json_body
from app.api.schemas import MAX_ID
from app.chat import limits
from app.extensions import csrf
from app.services.access import visitor_tokens
from app.services.errors import DomainError, NotFoundError
from app.services.tickets import widget_requests
from app.uploads import send_attachment

bp = Blueprint("widget_requests", __name__, url_prefix="/api/v1/widget/requests",
               description="A verified shopper's tickets, for the widget. Authenticated by the visitor token.")
csrf.exempt(bp)

REPLY_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["body", "client_key"],
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 20_000},
                   "client_key": {"type": "string", "minLength": 1, "maxLength": 64,
                                  "description": "The widget's id for this reply: a retry returns the first one."}}}}}}
LINK_BODY = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"ticket_id": {"type": "integer"}}}}}}


class AttachmentOutSchema(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    url = fields.Function(lambda a: url_for("widget_requests.get_attachment", ticket_id=a.ticket_id,
                                            attachment_id=a.id), metadata={
        "description": "Fetch it with the same Authorization header."})


class RequestOutSchema(Schema):
    id = fields.Integer(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "new, open, pending, on_hold, solved, closed."})
    status_label = fields.String(required=True, metadata={"description": "The status in the customer's words."})
    updated_at = fields.DateTime(required=True)


class RequestListSchema(Schema):
    requests = fields.List(fields.Nested(RequestOutSchema), required=True)


class PublicMessageOutSchema(Schema):
    id = fields.Integer(required=True)
    from_customer = fields.Boolean(required=True)
    author_name = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    attachments = fields.List(fields.Nested(AttachmentOutSchema), required=True)


class RequestThreadSchema(Schema):
    request = fields.Nested(RequestOutSchema, required=True)
    messages = fields.List(fields.Nested(PublicMessageOutSchema), required=True,
                           metadata={"description": "Public messages, oldest first (never internal notes)."})


class ReplyOutSchema(Schema):
    request = fields.Nested(RequestOutSchema, required=True, metadata={
        "description": "The ticket the reply went to: a closed one's follow-up when `follow_up`."})
    message_id = fields.Integer(required=True)
    follow_up = fields.Boolean(required=True)


class LinkOutSchema(Schema):
    url = fields.String(required=True, metadata={"description": "One-time sign-in to My requests, for 5 minutes."})


@bp.before_request
def read_token():
    """Who is asking: the visitor token from the Authorization header (401 without a valid one)."""
    g.visitor = visitor_tokens.read_visitor_token(bearer_secret())


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "private, no-store"  # customers' tickets
    return response


def _ticket_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise NotFoundError("No such request.")
    return value


@bp.route("", methods=["GET"])
@bp.response(200, RequestListSchema)
def list_requests():
    """The verified customer's tickets, latest activity first (403 for an anonymous token)."""
    return {"requests": widget_requests.list_requests(g.visitor)}


@bp.route("/<int:ticket_id>", methods=["GET"])
@bp.response(200, RequestThreadSchema)
def get_request(ticket_id: int):
    """One of the customer's tickets with its public thread and files; 404 for anyone else's."""
    return widget_requests.open_request(g.visitor, _ticket_id(ticket_id))


@bp.route("/<int:ticket_id>/replies", methods=["POST"])
@bp.doc(requestBody=REPLY_BODY)
@bp.response(201, ReplyOutSchema)
def post_reply(ticket_id: int):
    """The customer answers: it reopens the ticket, a closed one gets a follow-up; idempotent on
    client_key. 400 for an empty or over-long body, nothing stored."""
    body = json_body()
    if not isinstance(body, dict):
        raise DomainError("Send a JSON object with body and client_key.")
    limits.check("messages", f"c:{g.visitor.customer_id}")
    return widget_requests.reply(g.visitor, _ticket_id(ticket_id), body.get("body"),
                                 client_key=body.get("client_key"))


@bp.route("/<int:ticket_id>/attachments/<int:attachment_id>", methods=["GET"])
@bp.response(200, description="The file (images inline, anything else as a download).")
def get_attachment(ticket_id: int, attachment_id: int):
    """A file on a public message of the customer's own ticket (My requests' rules); 404 otherwise."""
    download = widget_requests.download(g.visitor, _ticket_id(ticket_id), _ticket_id(attachment_id))
    return send_attachment(download)


@bp.route("/help-center-link", methods=["POST"])
@bp.doc(requestBody=LINK_BODY)
@bp.response(201, LinkOutSchema)
def post_help_center_link():
    """A one-time address that signs the verified customer in to the help center's My requests
    (on one request with ticket_id), so the widget can open it in a new tab without an email."""
    body = json_body() if request.content_length else {}
    ticket_id = body.get("ticket_id") if isinstance(body, dict) else None
    if ticket_id is not None and (type(ticket_id) is not int):
        raise DomainError("ticket_id must be an integer.", field="ticket_id")
    return {"url": widget_requests.help_center_link(g.visitor, None if ticket_id is None else _ticket_id(ticket_id))}
