"""Fixtures shared by the ticket tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def agent_in(make_agent, auth):
    """Bea, an agent, signed in on the test's client."""
    agent = make_agent(name="Bea")
    auth.login(agent.email)
    return agent
