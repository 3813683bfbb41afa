"""The workspace identity secret: the shop signs customer ids with it (user_hash) so that the browser
can say who a visitor is without being able to claim anyone else."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import AppSetting
from app.models.base import utcnow
from app.services.errors import DomainError
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.platform.settings_store import get_setting, put_setting

SETTING_KEY = "widget_identity"
# After a rotation the old secret keeps working this long, so shops can redeploy without a gap.
ROTATION_GRACE = timedelta(hours=24)
# hmac.hexdigest() in every language gives 64 lowercase hex digits; anything else is a bug to report.
HASH_FORMAT = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class IdentitySecret:
    """What Settings › Widget shows: the secret, where it comes from and the rotation window."""

    secret: str
    from_env: bool
    created_at: datetime | None = None
    rotated_at: datetime | None = None
    previous_valid_until: datetime | None = None


def sign(secret: str, customer_id: str) -> str:
    """HMAC-SHA256 of the customer id (UTF-8, exactly as sent) with the secret, as lowercase hex."""
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _from_env() -> IdentitySecret | None:
    secret = current_app.config.get("HELPDESK_IDENTITY_SECRET")
    return IdentitySecret(secret=secret, from_env=True) if secret else None


def _from_row(value: dict) -> IdentitySecret:
    until = _when(value.get("previous_until"))
    return IdentitySecret(
        secret=value["secret"], from_env=False, created_at=_when(value.get("created_at")),
        rotated_at=_when(value.get("rotated_at")), previous_valid_until=until if until and until > utcnow() else None,
    )


def identity_secret() -> IdentitySecret:
    """The current secret (Settings › Widget, the demo shop). Generated and committed on first use;
    when two processes race to create it, the first insert wins and both return the same secret."""
    configured = _from_env()
    if configured:
        return configured
    stored = get_setting(SETTING_KEY)
    if stored is None:
        fresh = {"secret": secrets.token_hex(32), "created_at": utcnow().isoformat()}
        db.session.execute(
            insert_ignoring_conflicts(AppSetting.__table__, ["key"]),
            {"key": SETTING_KEY, "value": fresh, "updated_at": utcnow()},
        )
        db.session.commit()
        stored = get_setting(SETTING_KEY)
    return _from_row(stored)


def user_hash(customer_id: str) -> str:
    """The user_hash the shop's server would compute for this customer id (demo shop, tests)."""
    return sign(identity_secret().secret, customer_id)


def _valid_secrets(now: datetime) -> list[str]:
    """The secrets a user_hash may be made with now: the current one, and the previous one while
    its grace window lasts (from Settings) or while HELPDESK_IDENTITY_SECRET_PREVIOUS is set."""
    config = current_app.config
    if config.get("HELPDESK_IDENTITY_SECRET"):
        return [s for s in (config["HELPDESK_IDENTITY_SECRET"], config.get("HELPDESK_IDENTITY_SECRET_PREVIOUS")) if s]
    stored = get_setting(SETTING_KEY)
    if stored is None:
        return []  # nothing was ever generated, so no shop can hold a valid hash
    found = [stored["secret"]]
    until = _when(stored.get("previous_until"))
    if stored.get("previous") and until and now < until:
        found.append(stored["previous"])
    return found


def is_well_formed(value) -> bool:
    """A string of 64 lowercase hex digits (the shape of an HMAC-SHA256 hexdigest)."""
    return isinstance(value, str) and HASH_FORMAT.fullmatch(value) is not None


def verify(customer_id, user_hash: str | None, *, now: datetime | None = None) -> bool:
    """True when user_hash is HMAC-SHA256(secret, customer_id) for a currently valid secret.

    Compared in constant time (hmac.compare_digest) against every valid secret. Never creates a
    secret: before the first one exists, nothing verifies.
    """
    if not isinstance(customer_id, str) or not customer_id or not is_well_formed(user_hash):
        return False
    given = user_hash.encode()
    # Every valid secret is tried, not only until the first match, so timing says nothing either.
    matches = [hmac.compare_digest(sign(s, customer_id).encode(), given) for s in _valid_secrets(now or utcnow())]
    return any(matches)


def rotate_secret(*, by: Actor) -> IdentitySecret:
    """Settings › Widget › Rotate: a new secret; the old one stays valid for ROTATION_GRACE.

    Audit-logged (without the secrets). Refused when the secret comes from the environment.
    """
    if _from_env():
        raise DomainError("The secret is set by HELPDESK_IDENTITY_SECRET: change it there and restart.")
    now = utcnow()
    row = db.session.get(AppSetting, SETTING_KEY, with_for_update=True)
    old = row.value if row is not None else {}
    value = {"secret": secrets.token_hex(32), "created_at": old.get("created_at") or now.isoformat(),
             "rotated_at": now.isoformat()}
    if old.get("secret"):
        value.update(previous=old["secret"], previous_until=(now + ROTATION_GRACE).isoformat())
    put_setting(SETTING_KEY, value)
    audit.record(
        "widget.identity_secret_rotated", actor=by,
        details={"previous_valid_until": value.get("previous_until")},
    )
    db.session.commit()
    return _from_row(value)
