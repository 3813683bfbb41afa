"""The one signature both platforms put on a webhook: the base64 of HMAC-SHA256 over the raw
request body, keyed with the webhook secret (Shopify's X-Shopify-Hmac-Sha256, WooCommerce's
X-WC-Webhook-Signature). Checked in constant time, before the body is parsed."""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature(raw_body: bytes, secret: str) -> str:
    """The signature a platform sends for this body and secret."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_with(raw_body: bytes, sent: str | None, secrets: tuple[str, ...]) -> bool:
    """True when `sent` is the body's signature under one of the secrets (a rotated secret may
    still sign for a while); False when nothing was sent."""
    sent = (sent or "").strip()
    if not sent:
        return False
    return any(hmac.compare_digest(signature(raw_body, secret), sent) for secret in secrets if secret)
