"""Inbox services without HTTP: the demo's conversations (idempotent) and status validation."""

from __future__ import annotations

import pytest

from app.demo import seed
from app.extensions import db
from app.models import Conversation, Message
from app.services.conversations import inbox
from app.services.errors import DomainError, NotFoundError
from app.services.platform.audit import CLI


def test_demo_seed_makes_conversations_in_every_state_once(app):
    first = seed.seed_demo()
    second = seed.seed_demo()
    assert first.conversations_created == 5 and second.conversations_created == 0
    assigned = Conversation.assignee_id.is_not(None)
    # The year of buyers' chats (demo_lifecycle, all resolved) are history, not the inbox's five.
    history = db.func.coalesce(Conversation.client_key, "").like("demo-life-%")
    rows = db.session.execute(db.select(Conversation.status, Conversation.channel, assigned)
                              .where(Conversation.channel != "proactive", ~history).order_by(Conversation.id))
    assert [tuple(r) for r in rows] == [("open", "chat", True), ("pending", "chat", True), ("resolved", "chat", True),
                                        ("open", "chat", False), ("open", "offline_message", False)]
    # The demo's outreach history: answered proactive messages, all resolved.
    answered = db.session.scalars(db.select(Conversation.status).where(Conversation.channel == "proactive")).all()
    assert answered and set(answered) == {"resolved"}
    notes = db.select(db.func.count(Message.id)).where(Message.is_internal_note.is_(True),
                                                      Message.author_type == "agent")
    assert db.session.scalar(notes) == 1
    rows = inbox.list_conversations(inbox.InboxFilter(assignee="all", status=None), agent_id=1)
    assert all(row.last_message is not None for row in rows)
    featured = [row for row in rows if row.conversation.channel != "proactive"
                and not (row.conversation.client_key or "").startswith("demo-life-")]
    assert len(featured) == 5


def test_set_status_refuses_unknown_status_and_conversation(app):
    with pytest.raises(DomainError):
        inbox.set_status(1, "closed", by=CLI)
    with pytest.raises(NotFoundError):
        inbox.set_status(999, "resolved", by=CLI)
