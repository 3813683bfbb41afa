"""Each process's heartbeat disconnects its console sockets whose sign-in has ended, whatever ended
it: an expiry, a revocation made where no message queue reaches (a script on the database), a
purged session row, a deactivated agent. The live revocations (sign-out, deactivation, password
change, erasure) are in tests/realtime/test_idle_revocation.py."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Agent, AgentSession
from app.models.base import utcnow
from app.services.access import auth, revocation
from app.services.platform import presence

CONSOLE = "/console"
_tokens = itertools.count(1)


def _session(agent_id: int, **values) -> int:
    now = utcnow()
    row = AgentSession(agent_id=agent_id, token_hash=f"hash-{next(_tokens)}",
                       created_at=now, last_seen_at=now, expires_at=now + timedelta(days=1), **values)
    db.session.add(row)
    db.session.commit()
    return row.id


def test_a_revocation_names_exactly_the_revoked_sign_ins_sockets(any_app, make_agent):
    dana, eli = make_agent(name="Dana"), make_agent(name="Eli")
    here, elsewhere, eli_session = _session(dana.id), _session(dana.id), _session(eli.id)
    for sid, agent_id, session_id in (("d-here", dana.id, here), ("d-here-2", dana.id, here),
                                      ("d-elsewhere", dana.id, elsewhere), ("e-1", eli.id, eli_session)):
        presence.connect(sid, presence.CONSOLE, agent_id=agent_id, agent_session_id=session_id)
    presence.connect("w-1", presence.CHAT)
    assert sorted(revocation.end_session_sockets(here)) == ["d-here", "d-here-2"]
    assert revocation.end_agent_sockets(dana.id, except_session_id=here) == ["d-elsewhere"]
    assert sorted(revocation.end_agent_sockets(dana.id)) == ["d-elsewhere", "d-here", "d-here-2"]


@pytest.mark.parametrize("end", ["expired", "revoked", "purged", "deactivated"])
def test_the_sweep_names_the_sockets_whose_sign_in_ended(any_app, make_agent, end):
    agent, other = make_agent(name="Dana"), make_agent(name="Eli")
    ended, alive = _session(agent.id), _session(other.id)
    presence.connect("sid-ended", presence.CONSOLE, agent_id=agent.id, agent_session_id=ended)
    presence.connect("sid-alive", presence.CONSOLE, agent_id=other.id, agent_session_id=alive)
    presence.connect("sid-widget", presence.CHAT)
    change = {"expired": update(AgentSession).where(AgentSession.id == ended).values(expires_at=utcnow()),
              "revoked": update(AgentSession).where(AgentSession.id == ended).values(revoked_at=utcnow()),
              "purged": db.delete(AgentSession).where(AgentSession.id == ended),
              "deactivated": update(Agent).where(Agent.id == agent.id).values(active=False)}[end]
    db.session.execute(change)
    db.session.commit()
    assert revocation.ended_console_sids(presence.PROCESS_KEY) == ["sid-ended"]


def test_the_heartbeat_disconnects_a_socket_whose_session_was_revoked_behind_its_back(app, console_socket):
    assert revocation.ended_console_sids(presence.PROCESS_KEY) == []
    # Revoked in the database only (as a script without the message queue would): nothing is sent.
    agent_id = db.session.scalar(db.select(AgentSession.agent_id))
    auth.revoke_sessions(agent_id)
    db.session.commit()
    assert console_socket.is_connected(CONSOLE)
    revocation.heartbeat()
    assert not console_socket.is_connected(CONSOLE)
