"""Model behaviour that must hold on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.demo import seed
from app.extensions import db
from app.models import Agent, AgentSession, Customer
from app.services.access import auth
from tests.conftest import AGENT_PASSWORD


@pytest.fixture
def on_db(any_app):
    return any_app


def test_datetimes_round_trip_as_aware_utc(on_db):
    agent = Agent(email="tz@example.com", display_name="Tz", role="agent")
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC) + timedelta(microseconds=5)
    agent.deactivated_at = moment
    db.session.add(agent)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(Agent, agent.id)
    assert loaded.deactivated_at == moment and loaded.deactivated_at.tzinfo is not None


def test_naive_datetimes_are_refused(on_db):
    agent = Agent(email="naive@example.com", display_name="N", role="agent", deactivated_at=datetime(2026, 1, 1))
    db.session.add(agent)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_email_is_unique_in_the_database(on_db):
    db.session.add_all([Agent(email="a@example.com", display_name="A"), Agent(email="a@example.com", display_name="B")])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_deleting_an_agent_cascades_to_sessions(on_db, make_agent):
    agent = make_agent()
    auth.sign_in(agent.email, AGENT_PASSWORD, ip_address="::1", user_agent=None)
    db.session.execute(db.delete(Agent).where(Agent.id == agent.id))
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(AgentSession.id))) == 0


def test_seed_demo_is_idempotent(on_db):
    first = seed.seed_demo()
    count = db.session.scalar(db.select(db.func.count(Agent.id)))
    second = seed.seed_demo()
    assert first.agents_created == len(seed.DEMO_AGENTS) and second.agents_created == 0
    assert first.events_accepted > 30 and second.events_accepted == 0
    stages = set(db.session.scalars(db.select(Customer.stage)))
    assert stages == {"reach", "acquisition", "conversion", "retention", "loyalty"}
    flags = {f for c in db.session.scalars(db.select(Customer)) for f in c.flags}
    assert flags == {"at_risk", "churned", "reactivated", "vip", "promoter", "passive", "detractor"}
    segments = set(db.session.scalars(db.select(Customer.segment)))
    assert segments == {"visitor", "lead", "registered", "new_customer", "repeat_customer", "frequent", "reactivated"}
    assert db.session.scalar(db.select(db.func.count(Agent.id))) == count
