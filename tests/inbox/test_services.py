"""Inbox services without HTTP: the demo's conversations (idempotent) and status validation."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Conversation, Message
from app.services import demo, inbox
from app.services.audit import CLI
from app.services.errors import DomainError, NotFoundError


def test_demo_seed_makes_conversations_in_three_states_once(app):
    first = demo.seed_demo()
    second = demo.seed_demo()
    assert first.conversations_created == 3 and second.conversations_created == 0
    statuses = sorted(db.session.scalars(db.select(Conversation.status)))
    assert statuses == ["open", "pending", "resolved"]
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.is_internal_note.is_(True))) == 1
    rows = inbox.list_conversations(inbox.InboxFilter(assignee="all", status=None), agent_id=1)
    assert len(rows) == 3 and all(row.last_message is not None for row in rows)


def test_set_status_refuses_unknown_status_and_conversation(app):
    with pytest.raises(DomainError):
        inbox.set_status(1, "closed", by=CLI)
    with pytest.raises(NotFoundError):
        inbox.set_status(999, "resolved", by=CLI)
