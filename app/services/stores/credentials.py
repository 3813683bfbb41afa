"""A store's credentials at rest: encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from the
`cryptography` package), never written or shown again in full.

The key comes from the environment: HELPDESK_ENCRYPTION_KEY, a Fernet key (or several,
comma-separated, to rotate: the first encrypts, every one decrypts). Without it the key is derived
from SECRET_KEY, which production requires anyway; a deployment that rotates SECRET_KEY should set
HELPDESK_ENCRYPTION_KEY first, or connect its store again.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from app.services.errors import DomainError

_DERIVATION = b"helpdesk store credentials v1"


def _fernet(key: str) -> Fernet:
    """A Fernet for a configured key: a Fernet key as is; any other text is stretched into one."""
    try:
        return Fernet(key)
    except ValueError:
        digest = hashlib.sha256(_DERIVATION + key.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))


def _box() -> MultiFernet:
    keys = current_app.config.get("HELPDESK_ENCRYPTION_KEYS") or [current_app.config["SECRET_KEY"]]
    return MultiFernet([_fernet(key) for key in keys])


def seal(secrets: dict[str, str | None]) -> str:
    """The secrets as one encrypted token (None values left out)."""
    plain = json.dumps({name: value for name, value in secrets.items() if value}, sort_keys=True)
    return _box().encrypt(plain.encode()).decode()


def unseal(token: str) -> dict[str, str]:
    """The secrets a token holds. DomainError when no configured key opens it (the key changed)."""
    try:
        return json.loads(_box().decrypt(token.encode()))
    except InvalidToken:
        raise DomainError("The store's credentials cannot be read with the current encryption key: "
                          "connect the store again, or restore HELPDESK_ENCRYPTION_KEY.") from None


def hint(secret: str | None) -> str | None:
    """What may be shown of a secret again: its last four characters."""
    if not secret:
        return None
    return "…" + secret[-4:] if len(secret) > 8 else "…"
