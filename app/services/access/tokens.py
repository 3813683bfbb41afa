"""Random secrets and their stored fingerprints (sessions, invites, API keys)."""

import hashlib
import secrets


def new_token(prefix: str = "", nbytes: int = 32) -> tuple[str, str]:
    """Return (raw, sha256 hex). The raw value is given to the user once; the hash is stored.

    These tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    """
    raw = prefix + secrets.token_urlsafe(nbytes)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """The stored fingerprint of a token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
