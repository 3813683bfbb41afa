"""API keys for the shop's server: created and revoked by admins, checked on every API call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.extensions import db
from app.models import ApiKey
from app.models.base import utcnow
from app.services.access.tokens import hash_token, new_token
from app.services.errors import DomainError, NotFoundError
from app.services.platform import audit
from app.services.platform.audit import Actor

KEY_PREFIX = "hd_"
# last_used_at is informative; writing it on every call would make each API read a write.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class NewApiKey:
    """A freshly created key: the row and the secret, which is never shown again."""

    key: ApiKey
    secret: str


def list_api_keys() -> list[ApiKey]:
    """Every key, newest first, revoked ones included (they explain old audit entries)."""
    return list(db.session.scalars(db.select(ApiKey).order_by(ApiKey.id.desc())))


def create_api_key(name: str, *, by: Actor) -> NewApiKey:
    """Create a key; the caller shows `secret` once."""
    name = name.strip()
    if not name or len(name) > 80:
        raise DomainError("Give the key a name of 1 to 80 characters.", field="name")
    secret, digest = new_token(KEY_PREFIX)
    key = ApiKey(name=name, prefix=secret[:10], key_hash=digest, created_by_id=by.id if by.type == "agent" else None)
    db.session.add(key)
    db.session.flush()
    audit.record("api_key.created", actor=by, target=key, details={"name": name})
    db.session.commit()
    return NewApiKey(key=key, secret=secret)


def revoke_api_key(key_id: int, *, by: Actor) -> ApiKey:
    """Revoke a key: calls with it get 401 from now on. Revoking twice is harmless."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record("api_key.revoked", actor=by, target=key, details={"name": key.name})
        db.session.commit()
    return key


def authenticate_api_key(secret: str | None) -> ApiKey | None:
    """The live key matching this secret, or None. Called for every /api/v1 request."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 128:
        return None
    key = db.session.scalar(db.select(ApiKey).where(ApiKey.key_hash == hash_token(secret)))
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > TOUCH_INTERVAL:
        key.last_used_at = now
        db.session.commit()
    return key
