"""Fixtures for the job tests: a fake clock and a Redis database of their own."""

from __future__ import annotations

import signal

import pytest

from app import create_app
from app.extensions import db as _db
from config import TestConfig
from tests.support import services

# Flushed before and after each test that uses it; RQ's keys (rq:*) and the scheduler's slot
# claims (helpdesk:periodic:*) are all that the job tests create.
JOBS_REDIS_DB = 14


class FakeClock:
    """A time.time stand-in that moves only when the test says so."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock(1_000 * 3_600)  # the start of an hour, so of every slot up to an hour long


@pytest.fixture
def jobs_redis_url(redis_server_url):
    with services.private_redis_db(redis_server_url, JOBS_REDIS_DB) as url:
        yield url


@pytest.fixture
def keep_signal_handlers():
    """An RQ worker run in the test process installs SIGINT/SIGTERM handlers and leaves them;
    put pytest's back, so Ctrl-C still stops the run."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def make_jobs_app(tmp_path):
    """Factory: make(jobs, redis_url=None, name="app") -> an app with that HELPDESK_JOBS.

    The apps share one SQLite file (tables created) but each has its own data directory,
    tmp_path/<name>, where the sample job writes by default: the file shows whose context ran it.
    """
    made = []

    def make(jobs: str, redis_url: str | None = None, name: str = "app"):
        data_dir = tmp_path / name
        data_dir.mkdir()
        app = create_app(
            TestConfig,
            HELPDESK_JOBS=jobs,
            REDIS_URL=redis_url,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'jobs.db'}",
            HELPDESK_DATA_DIR=str(data_dir),
        )
        with app.app_context():
            _db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
