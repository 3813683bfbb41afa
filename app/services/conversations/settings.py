"""The live chat's settings (Settings › Chat): capacity per agent, the pre-chat form, offline messages."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from app.extensions import db
from app.services.errors import DomainError
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.platform.settings_store import get_setting, put_setting

KEY = "chat"
MAX_CAPACITY = 50
MAX_FIELDS = 8
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
RESERVED_KEYS = {"name", "email"}


@dataclass(frozen=True)
class PrechatField:
    """A question of the pre-chat form besides name and email, such as an order number."""

    key: str
    label: str
    required: bool = False


@dataclass(frozen=True)
class ChatSettings:
    capacity: int = 5  # open conversations one agent is given by round-robin at most
    prechat_enabled: bool = False
    prechat_ask_name: bool = True
    prechat_ask_email: bool = True
    prechat_email_required: bool = False
    prechat_fields: tuple[PrechatField, ...] = field(default_factory=tuple)
    offline_messages: bool = True  # with nobody online, the widget offers to leave a message


def current() -> ChatSettings:
    """The stored settings, defaults for what is missing."""
    stored = get_setting(KEY) or {}
    fields = tuple(PrechatField(**f) for f in stored.get("prechat_fields", ()))
    known = {k: v for k, v in stored.items() if k in ChatSettings.__dataclass_fields__ and k != "prechat_fields"}
    return ChatSettings(**known, prechat_fields=fields)


def _check(settings: ChatSettings) -> None:
    if not 1 <= settings.capacity <= MAX_CAPACITY:
        raise DomainError(f"Capacity must be between 1 and {MAX_CAPACITY}.", field="capacity")
    if len(settings.prechat_fields) > MAX_FIELDS:
        raise DomainError(f"The pre-chat form takes at most {MAX_FIELDS} extra questions.", field="prechat_fields")
    keys = [f.key for f in settings.prechat_fields]
    for f in settings.prechat_fields:
        if not FIELD_KEY.match(f.key) or f.key in RESERVED_KEYS:
            raise DomainError(f"“{f.key}” is not a usable key: lowercase letters, digits and _ (not name or email).",
                              field="prechat_fields")
        if not f.label.strip() or len(f.label) > 80:
            raise DomainError("Each question needs a label of at most 80 characters.", field="prechat_fields")
    if len(set(keys)) != len(keys):
        raise DomainError("Each question needs its own key.", field="prechat_fields")


def save(settings: ChatSettings, *, by: Actor) -> ChatSettings:
    """Called by Settings › Chat: validate, store and audit (one commit)."""
    _check(settings)
    value = asdict(settings)
    value["prechat_fields"] = [asdict(f) for f in settings.prechat_fields]
    put_setting(KEY, value)
    audit.record("chat_settings.updated", actor=by, details=value)
    db.session.commit()
    return settings


def widget_config(settings: ChatSettings, known: dict) -> dict:
    """What the widget needs to draw the pre-chat form for this visitor: the questions it should
    ask, leaving out what is already known about them (`known`: {"name", "email"} of the profile)."""
    if not settings.prechat_enabled:
        return {"enabled": False, "fields": []}
    fields = []
    if settings.prechat_ask_name and not known.get("name"):
        fields.append({"key": "name", "label": None, "type": "text", "required": False})
    if settings.prechat_ask_email and not known.get("email"):
        fields.append({"key": "email", "label": None, "type": "email", "required": settings.prechat_email_required})
    fields += [{"key": f.key, "label": f.label, "type": "text", "required": f.required}
               for f in settings.prechat_fields]
    return {"enabled": bool(fields), "fields": fields}
