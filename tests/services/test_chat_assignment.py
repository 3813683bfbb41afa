"""Presence, round-robin under a capacity, claim/transfer/unassign, waiting conversations handed
over, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Conversation, Message, RealtimeConnection
from app.models.base import utcnow
from app.services.conversations import assignment, inbox, settings
from app.services.conversations.settings import ChatSettings
from app.services.errors import DomainError
from app.services.platform import presence
from app.services.platform.audit import CLI
from tests.factories import make_conversation

_sids = itertools.count(1)


@pytest.fixture
def online(any_app, make_agent):
    """online(n) -> n agents with a console open and presence online, in creation order."""

    def make(n: int = 1, presence_value: str = "online"):
        agents = []
        for _ in range(n):
            agent = make_agent()
            assignment.console_opened(agent, f"sid-{next(_sids)}")
            presence.set_presence(agent, presence_value)
            agents.append(agent)
        return agents

    return make


def notes(conversation_id: int) -> list[str]:
    return list(db.session.scalars(db.select(Message.body).where(
        Message.conversation_id == conversation_id, Message.author_type == "system").order_by(Message.seq)))


def test_nobody_online_leaves_new_chats_waiting(any_app, make_agent):
    agent = make_agent()
    presence.set_presence(agent, "online")  # but no console open: not available
    assert presence.agents_online() is False
    assert make_conversation("anon-1").assignee_id is None


def test_round_robin_takes_turns_and_respects_capacity(online):
    settings.save(ChatSettings(capacity=2), by=CLI)
    bea, chris = online(2)
    assignees = [make_conversation(f"anon-{n}").assignee_id for n in range(5)]
    assert assignees == [bea.id, chris.id, bea.id, chris.id, None]  # the fifth waits: both are full
    first = db.session.scalar(db.select(Conversation).order_by(Conversation.id))
    assert notes(first.id) == [f"Assigned to {bea.display_name} (round-robin)."]


def test_away_agents_get_no_new_chats_and_resolving_hands_a_waiting_one_over(online):
    settings.save(ChatSettings(capacity=1), by=CLI)
    (bea,) = online(1)
    (_away,) = online(1, "away")
    first, second = make_conversation("anon-1"), make_conversation("anon-2")
    assert (first.assignee_id, second.assignee_id) == (bea.id, None)
    inbox.set_status(first.id, "resolved", by=CLI)
    assert db.session.get(Conversation, second.id).assignee_id == bea.id


def test_going_online_takes_the_oldest_waiting_conversations(any_app, make_agent):
    waiting = [make_conversation(f"anon-{n}") for n in range(3)]
    agent = make_agent()
    assignment.console_opened(agent, "sid-x")
    assignment.change_presence(agent, "online")
    assigned = db.session.scalars(db.select(Conversation.id).where(Conversation.assignee_id == agent.id))
    assert sorted(assigned) == [c.id for c in waiting]  # capacity 5 by default


def test_closing_the_last_console_makes_an_agent_unavailable(online):
    (bea,) = online(1)
    sid = db.session.scalar(db.select(RealtimeConnection.sid).where(RealtimeConnection.agent_id == bea.id))
    assert presence.effective_presence(bea) == "online"
    assignment.console_closed(sid)
    assert presence.effective_presence(bea) == "offline" and not presence.agents_online()
    assert make_conversation("anon-1").assignee_id is None


def test_claim_transfer_and_unassign(online, make_agent):
    bea, chris = online(2)
    conversation = make_conversation("anon-1")  # round-robin: bea
    assignment.reassign(conversation.id, chris.id, by=bea)
    assert db.session.get(Conversation, conversation.id).assignee_id == chris.id
    assignment.reassign(conversation.id, bea.id, by=bea)
    assignment.reassign(conversation.id, None, by=bea)
    assert db.session.get(Conversation, conversation.id).assignee_id is None
    assert notes(conversation.id)[1:] == [
        f"Transferred to {chris.display_name} by {bea.display_name}.",
        f"{bea.display_name} took the conversation.", f"Unassigned by {bea.display_name}."]
    gone = make_agent()
    gone.active = False
    db.session.commit()
    with pytest.raises(DomainError, match="active agent"):
        assignment.reassign(conversation.id, gone.id, by=bea)


def test_a_dead_processs_connections_stop_counting(online):
    (bea,) = online(1)
    assert presence.agents_online()
    # The process that holds the socket stopped refreshing it (killed): a minute and more ago.
    db.session.execute(db.update(RealtimeConnection).values(seen_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert not presence.agents_online() and presence.effective_presence(bea) == "offline"


def test_capacity_and_prechat_settings_are_checked(any_app):
    for bad in (ChatSettings(capacity=0), ChatSettings(capacity=51),
                ChatSettings(prechat_fields=(settings.PrechatField("email", "Email"),)),
                ChatSettings(prechat_fields=(settings.PrechatField("Order No", "Order"),))):
        with pytest.raises(DomainError):
            settings.save(bad, by=CLI)
    assert settings.current() == ChatSettings()
