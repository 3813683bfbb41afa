"""Canned responses: the team's (managed by admins) and each agent's own; search, use and placeholders.

A scope is an `owner_id`: None for the team's responses, an agent's id for that agent's own. Every
agent may use the team's and their own; nobody sees another agent's private responses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.database import contains_pattern
from app.extensions import db
from app.models import Agent, CannedResponse
from app.models.canned_response import MAX_SHORTCUT_CHARS, MAX_TITLE_CHARS
from app.models.conversation import MAX_BODY_CHARS
from app.services.customers import placeholders
from app.services.customers.placeholders import Rendered
from app.services.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError, StaleEditError
from app.services.platform import audit
from app.services.platform.audit import Actor

TEAM = None  # the owner_id of the team's responses
NOT_FOUND = "No such canned response."
SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]*")
STALE = ("Someone changed this response after you opened it. Your text is kept below: "
         "save again to replace their version.")
MAX_MATCHES = 200  # scanned per search before ranking; a team has far fewer responses


@dataclass(frozen=True)
class Draft:
    """What a form submits for a response."""

    title: str
    shortcut: str
    body: str


def normalise_shortcut(text: str | None) -> str:
    """What a shortcut is stored and searched as: lower case, without the "/" typed in the composer."""
    return (text or "").strip().lstrip("/").lower()


def _clean(draft: Draft) -> Draft:
    title = (draft.title or "").replace("\0", "").strip()
    shortcut = normalise_shortcut(draft.shortcut)
    # Browsers send a textarea's line breaks as CRLF; the composer and messages use LF.
    body = (draft.body or "").replace("\0", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not title or len(title) > MAX_TITLE_CHARS:
        raise DomainError(f"Enter a title of at most {MAX_TITLE_CHARS} characters.", field="title")
    if not SHORTCUT.fullmatch(shortcut) or len(shortcut) > MAX_SHORTCUT_CHARS:
        raise DomainError(f"Use up to {MAX_SHORTCUT_CHARS} lower-case letters, digits, - or _, "
                          "starting with a letter or digit (for example shipping-times).", field="shortcut")
    if not body:
        raise DomainError("Write the text of the response.", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise DomainError(f"Keep the text to {MAX_BODY_CHARS:,} characters (it has {len(body):,}).", field="body")
    placeholders.check(body)
    return Draft(title=title, shortcut=shortcut, body=body)


def _check_may_manage(owner_id: int | None, by: Actor) -> int | None:
    """The acting agent's id (None for the command line) if `by` may change this scope's responses."""
    if by.type == "cli":
        return None
    agent = db.session.get(Agent, by.id) if by.type == "agent" else None
    if agent is None or not agent.active:
        raise PermissionDeniedError("Only signed-in agents manage canned responses.")
    if owner_id is TEAM and not agent.is_admin:
        raise PermissionDeniedError("Only admins manage the team's canned responses.")
    if owner_id is not TEAM and owner_id != agent.id:
        raise PermissionDeniedError("You can only manage your own canned responses.")
    return agent.id


def _in_scope(owner_id: int | None):
    return CannedResponse.owner_agent_id.is_(None) if owner_id is TEAM else CannedResponse.owner_agent_id == owner_id


def list_responses(owner_id: int | None) -> list[CannedResponse]:
    """One scope's responses by title (Settings › Canned responses, or My canned responses)."""
    order = (func.lower(CannedResponse.title), CannedResponse.shortcut)
    query = db.select(CannedResponse).where(_in_scope(owner_id)).order_by(*order)
    return list(db.session.scalars(query))


def get_response(response_id: int, *, owner_id: int | None) -> CannedResponse:
    """The response with this id in this scope, or NotFoundError (also for another agent's)."""
    query = db.select(CannedResponse).where(CannedResponse.id == response_id, _in_scope(owner_id))
    response = db.session.scalar(query)
    if response is None:
        raise NotFoundError(NOT_FOUND)
    return response


def find_by_shortcut(owner_id: int | None, shortcut: str) -> CannedResponse | None:
    """The scope's response with this (normalised) shortcut, if any."""
    query = db.select(CannedResponse).where(_in_scope(owner_id), CannedResponse.shortcut == shortcut)
    return db.session.scalar(query)


def _taken(owner_id: int | None, shortcut: str) -> ConflictError:
    whose = "The team already has" if owner_id is TEAM else "You already have"
    return ConflictError(f"{whose} a response with the shortcut /{shortcut}.", field="shortcut")


def _resent(owner_id: int | None, draft: Draft) -> CannedResponse | None:
    """The stored response if `draft` is the same response sent again, None if its shortcut is
    free; ConflictError when a different response has the shortcut."""
    existing = find_by_shortcut(owner_id, draft.shortcut)
    if existing is not None and (existing.title, existing.body) != (draft.title, draft.body):
        raise _taken(owner_id, draft.shortcut)
    return existing


def _audit(action: str, response: CannedResponse, by: Actor, **details) -> None:
    """Changes to the team's responses are audit-logged; an agent's own are their business."""
    if response.is_team:
        audit.record(f"canned_response.{action}", actor=by, target=response,
                     details={"shortcut": response.shortcut, "title": response.title, **details})


def create_response(draft: Draft, *, owner_id: int | None, by: Actor) -> CannedResponse:
    """Called by the New response forms and the demo seed: add a response to a scope (one commit).
    Sending the same response twice stores it once; a shortcut taken by another is a ConflictError."""
    agent_id = _check_may_manage(owner_id, by)
    clean = _clean(draft)
    same = _resent(owner_id, clean)
    if same is not None:
        return same
    response = CannedResponse(owner_agent_id=owner_id, title=clean.title, shortcut=clean.shortcut,
                              body=clean.body, created_by_id=agent_id, updated_by_id=agent_id)
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:  # the same shortcut saved at this moment by another request
        db.session.rollback()
        same = _resent(owner_id, clean)
        if same is None:  # taken and deleted again since: rare enough to ask for another try
            raise _taken(owner_id, clean.shortcut) from None
        return same
    _audit("created", response, by)
    db.session.commit()
    return response


def update_response(response_id: int, draft: Draft, *, owner_id: int | None, by: Actor,
                    version: int | None = None) -> CannedResponse:
    """Called by the edit forms: change a response (one commit). Saving unchanged text again changes
    nothing; an edit of an older `version` than the stored one is a StaleEditError."""
    agent_id = _check_may_manage(owner_id, by)
    response = get_response(response_id, owner_id=owner_id)
    clean = _clean(draft)
    changed = [name for name in ("title", "shortcut", "body") if getattr(response, name) != getattr(clean, name)]
    if not changed:
        return response
    if version is not None and version != response.version:
        raise StaleEditError(STALE)
    other = find_by_shortcut(owner_id, clean.shortcut)
    if other is not None and other.id != response.id:
        raise _taken(owner_id, clean.shortcut)
    response.title, response.shortcut, response.body = clean.title, clean.shortcut, clean.body
    response.updated_by_id = agent_id
    _audit("updated", response, by, changed=", ".join(changed))
    try:
        db.session.commit()
    except IntegrityError:  # the shortcut was saved at this moment by another request
        db.session.rollback()
        raise _taken(owner_id, clean.shortcut) from None
    except StaleDataError:  # a concurrent save of this response won: keep theirs, say so
        db.session.rollback()
        raise StaleEditError(STALE) from None
    return response


def delete_response(response_id: int, *, owner_id: int | None, by: Actor) -> str:
    """Called by the Delete buttons: remove a response (one commit) and return its title.
    NotFoundError when it is not in this scope, including when it was deleted already."""
    _check_may_manage(owner_id, by)
    response = get_response(response_id, owner_id=owner_id)
    title = response.title
    _audit("deleted", response, by)
    db.session.delete(response)
    try:
        db.session.commit()
    except StaleDataError:  # deleted or changed by a concurrent request
        db.session.rollback()
        raise NotFoundError(NOT_FOUND) from None
    return title


def _usable(agent: Agent):
    return or_(CannedResponse.owner_agent_id.is_(None), CannedResponse.owner_agent_id == agent.id)


def usable_responses(agent: Agent, query: str = "", *, limit: int = 20) -> list[CannedResponse]:
    """The team's responses and the agent's own whose shortcut or title contains `query` (a leading
    "/" ignored): exact shortcut first, then shortcuts that start with it, then the rest."""
    text = normalise_shortcut(query)[:100]
    select = db.select(CannedResponse).where(_usable(agent))
    if text:
        term = contains_pattern(text)
        select = select.where(or_(CannedResponse.shortcut.like(term, escape="\\"),
                                  func.lower(CannedResponse.title).like(term, escape="\\")))
    rows = db.session.scalars(select.order_by(CannedResponse.shortcut, CannedResponse.id).limit(MAX_MATCHES))

    def rank(response: CannedResponse) -> tuple:
        shortcut = response.shortcut
        return (shortcut != text, not shortcut.startswith(text), shortcut, response.is_team)

    return sorted(rows, key=rank)[:limit]


def get_usable(response_id: int, agent: Agent) -> CannedResponse:
    """A response this agent may use (the team's or their own), or NotFoundError."""
    response = db.session.scalar(db.select(CannedResponse).where(CannedResponse.id == response_id, _usable(agent)))
    if response is None:
        raise NotFoundError(NOT_FOUND)
    return response


def render(response_or_body: CannedResponse | str, context: Mapping[str, str | None]) -> Rendered:
    """Fill a response's (or a body's) placeholders from `context` (placeholders.values_for)."""
    body = response_or_body.body if isinstance(response_or_body, CannedResponse) else response_or_body
    return placeholders.render(body, context)
