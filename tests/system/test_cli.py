"""The `flask helpdesk` commands."""

from app.extensions import db
from app.models import Agent, ApiKey
from app.services.access import api_keys


def test_create_admin(runner):
    args = ["helpdesk", "create-admin", "--email", "Boss@Example.com", "--password", "boss-password"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    agent = db.session.scalar(db.select(Agent))
    assert agent.email == "boss@example.com" and agent.role == "admin"


def test_create_admin_reports_bad_input(runner):
    result = runner.invoke(args=["helpdesk", "create-admin", "--email", "boss@example.com", "--password", "short"])
    assert result.exit_code != 0 and "at least 10" in result.output
    assert db.session.scalar(db.select(Agent)) is None


def test_create_api_key_prints_the_secret_once_and_stores_a_hash(runner):
    result = runner.invoke(args=["helpdesk", "create-api-key", "--name", "Shop"])
    secret = result.output.strip()
    key = db.session.scalar(db.select(ApiKey))
    assert result.exit_code == 0 and secret.startswith("hd_")
    assert secret != key.key_hash and api_keys.authenticate_api_key(secret).id == key.id


def test_seed_demo_twice_changes_nothing(runner):
    first = runner.invoke(args=["helpdesk", "seed-demo"])
    rows = db.session.scalar(db.select(db.func.count(Agent.id)))
    second = runner.invoke(args=["helpdesk", "seed-demo"])
    assert "4 agents created" in first.output and "0 agents created" in second.output
    assert db.session.scalar(db.select(db.func.count(Agent.id))) == rows
    assert "admin@demo.shop" in second.output


def test_run_job_runs_a_periodic_job_now(runner):
    result = runner.invoke(args=["helpdesk", "run-job", "purge_expired_sessions"])
    assert result.exit_code == 0 and "purge_expired_sessions: 0" in result.output
    assert runner.invoke(args=["helpdesk", "run-job", "nope"]).exit_code != 0
