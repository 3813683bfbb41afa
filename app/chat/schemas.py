"""Payloads of the chat commands (widget and console), and the shape of their acks."""

from __future__ import annotations

import functools
import logging

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.extensions import db
from app.services.errors import DomainError

log = logging.getLogger(__name__)
MAX_ID = 2**31 - 1  # larger ids and seqs cannot exist, and the databases cannot even compare them


class _Payload(Schema):
    class Meta:
        unknown = EXCLUDE  # newer clients may send more; only the known keys are read

    conversation_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class JoinConversation(_Payload):
    since_seq = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=MAX_ID))


class SendMessage(_Payload):
    # Length limits are the service's (body: too_long); these only check the types.
    client_msg_id = fields.String(required=True)
    body = fields.String(required=True)


class AgentSendMessage(SendMessage):
    internal = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class Typing(_Payload):
    typing = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    internal = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class MarkRead(_Payload):
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ID))


class TicketPayload(Schema):
    class Meta:
        unknown = EXCLUDE

    ticket_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class TicketTyping(TicketPayload):
    typing = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    internal = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class StartConversation(Schema):
    """start_conversation: every field optional (an empty payload starts a plain chat)."""

    class Meta:
        unknown = EXCLUDE

    client_key = fields.String(load_default=None)
    page_url = fields.String(load_default=None)
    answers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    # The proactive message this chat answers (the widget got it in proactive_message).
    outreach_decision_id = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class OpenOutreach(Schema):
    """open_outreach: the visitor opened the chat that shows a proactive message."""

    class Meta:
        unknown = EXCLUDE

    decision_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))


class LeaveMessage(StartConversation):
    email = fields.String(required=True)
    body = fields.String(required=True)


class Assign(_Payload):
    agent_id = fields.Integer(required=True, strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_ID))


class SetPresence(Schema):
    class Meta:
        unknown = EXCLUDE

    presence = fields.String(required=True)


class ReachOut(Schema):
    class Meta:
        unknown = EXCLUDE

    customer_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    client_key = fields.String(required=True)
    body = fields.String(required=True)


JOIN_CONVERSATION = JoinConversation()
SEND_MESSAGE = SendMessage()
AGENT_SEND_MESSAGE = AgentSendMessage()
TYPING = Typing()
MARK_READ = MarkRead()
START_CONVERSATION = StartConversation()
OPEN_OUTREACH = OpenOutreach()
LEAVE_MESSAGE = LeaveMessage()
ASSIGN = Assign()
SET_PRESENCE = SetPresence()
REACH_OUT = ReachOut()
CONVERSATION = _Payload()
TICKET = TicketPayload()
TICKET_TYPING = TicketTyping()


def parse(schema: Schema, data) -> dict:
    """The validated payload; DomainError (code "invalid") for a non-object or bad fields."""
    if not isinstance(data, dict):
        raise DomainError("The payload must be a JSON object.")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise DomainError(f"Invalid payload: {exc.messages}"[:500]) from None


def error_ack(code: str, message: str, **extra) -> dict:
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def acked(handler):
    """Turn a command's DomainError into an error ack and any other failure into an `internal`
    error ack, each with a log line: a command never raises out of its handler (W6)."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            log.info("chat command refused", extra={"command": handler.__name__, "code": exc.code})
            extra = {"retry_after": exc.retry_after} if hasattr(exc, "retry_after") else {}
            if exc.field:
                extra["field"] = exc.field
            return error_ack(exc.code, exc.message, **extra)
        except Exception:
            db.session.rollback()
            log.exception("chat command failed", extra={"command": handler.__name__})
            return error_ack("internal", "Something went wrong; try again.")

    return wrapper
