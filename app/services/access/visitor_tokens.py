"""Signed visitor tokens for the widget's chat: who a /chat socket speaks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.models.base import utcnow
from app.services.access import widget_identity
from app.services.errors import DomainError, PermissionDeniedError, UnauthorizedError

TOKEN_SALT = "helpdesk.visitor-token"


@dataclass(frozen=True)
class Visitor:
    """Who a widget socket speaks for: its anonymous id and, when proven with user_hash, the customer id."""

    anonymous_id: str
    customer_id: str | None = None


@dataclass(frozen=True)
class VisitorToken:
    token: str
    expires_at: datetime


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def token_seconds() -> int:
    """How long a token is valid (HELPDESK_VISITOR_TOKEN_SECONDS)."""
    return int(current_app.config["HELPDESK_VISITOR_TOKEN_SECONDS"])


def check_id(value, field: str, limit: int = 128) -> str:
    """A non-empty string id of at most `limit` characters; DomainError naming the field otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise DomainError(f"{field} must be a non-empty string of at most {limit} characters.", field=field)
    return value


def issue_visitor_token(
    anonymous_id: str, customer_id: str | None = None, user_hash: str | None = None
) -> VisitorToken:
    """Called by POST /api/v1/widget/session. A customer_id needs a valid user_hash
    (PermissionDeniedError otherwise); without one the token speaks for the anonymous visitor only."""
    check_id(anonymous_id, "anonymous_id")
    if customer_id is not None:
        check_id(customer_id, "customer_id")
        if not widget_identity.verify(customer_id, user_hash):
            raise PermissionDeniedError("user_hash does not prove this customer_id.", field="user_hash")
    token = _serializer().dumps({"a": anonymous_id, "c": customer_id})
    return VisitorToken(token=token, expires_at=utcnow() + timedelta(seconds=token_seconds()))


def read_visitor_token(token) -> Visitor:
    """The visitor a token speaks for; UnauthorizedError when it is missing, forged or expired."""
    return read_visitor_token_expiry(token)[0]


def read_visitor_token_expiry(token) -> tuple[Visitor, datetime]:
    """The visitor and when the token expires; UnauthorizedError as read_visitor_token."""
    if not isinstance(token, str) or not token or len(token) > 2000:
        raise UnauthorizedError("A visitor token is required.")
    try:
        data, signed_at = _serializer().loads(token, max_age=token_seconds(), return_timestamp=True)
    except SignatureExpired:
        raise UnauthorizedError("The visitor token has expired: ask for a new one.") from None
    except BadSignature:
        raise UnauthorizedError("The visitor token is not valid.") from None
    visitor = Visitor(anonymous_id=data["a"], customer_id=data.get("c"))
    return visitor, signed_at + timedelta(seconds=token_seconds())
