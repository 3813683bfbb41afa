"""Payloads of the chat commands (widget and console), and the shape of their acks."""

from __future__ import annotations

import functools
import logging

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.extensions import db
from app.services.errors import DomainError

log = logging.getLogger(__name__)


class _Payload(Schema):
    class Meta:
        unknown = EXCLUDE  # newer clients may send more; only the known keys are read

    conversation_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class JoinConversation(_Payload):
    since_seq = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))


class SendMessage(_Payload):
    # Length limits are the service's (body: too_long); these only check the types.
    client_msg_id = fields.String(required=True)
    body = fields.String(required=True)


class AgentSendMessage(SendMessage):
    internal = fields.Boolean(load_default=False, truthy={True}, falsy={False})


JOIN_CONVERSATION = JoinConversation()
SEND_MESSAGE = SendMessage()
AGENT_SEND_MESSAGE = AgentSendMessage()


def parse(schema: Schema, data) -> dict:
    """The validated payload; DomainError (code "invalid") for a non-object or bad fields."""
    if not isinstance(data, dict):
        raise DomainError("The payload must be a JSON object.")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise DomainError(f"Invalid payload: {exc.messages}"[:500]) from None


def error_ack(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


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
            return error_ack(exc.code, exc.message)
        except Exception:
            db.session.rollback()
            log.exception("chat command failed", extra={"command": handler.__name__})
            return error_ack("internal", "Something went wrong; try again.")

    return wrapper
