"""Bearer-key authentication for /api/v1."""

from flask import abort, current_app, g, request

from app.extensions import csrf, limiter
from app.services.access import api_keys as api_keys_service
from app.services.access.tokens import hash_token

PUBLIC_ENDPOINTS = frozenset()


def bearer_secret() -> str | None:
    """The key from `Authorization: Bearer KEY`, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_api_key() -> None:
    """before_request hook: 401 (JSON) without a live key. Sets g.api_key."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    key = api_keys_service.authenticate_api_key(bearer_secret())
    if key is None:
        abort(401, description="Send a valid API key as `Authorization: Bearer <key>`.")
    g.api_key = key


def api_key_rate_key() -> str:
    """Rate-limit bucket: a fingerprint of the key when one is sent, else the client address."""
    secret = bearer_secret()
    return f"api-key:{hash_token(secret)[:24]}" if secret else f"api-ip:{request.remote_addr}"


def protect(bp) -> None:
    """Every endpoint of an API blueprint needs a live key and is rate limited per key.

    CSRF protection is for cookie sessions; a bearer key cannot be sent by another site's page,
    so these endpoints are exempt from it.
    """
    csrf.exempt(bp)
    bp.before_request(require_api_key)
    limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_API"], key_func=api_key_rate_key)(bp)
