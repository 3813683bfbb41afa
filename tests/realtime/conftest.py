"""Fixtures for the realtime tests: a seeded SQLite template, live servers and a private Redis DB."""

from __future__ import annotations

import pytest

from tests.realtime import helpers
from tests.support import services
from tests.support.live_server import flask_cli, server_env

# A Redis database of its own, flushed before and after use. Socket.IO's pub/sub channel is not
# per database (Redis pub/sub ignores SELECT), so only the keys are private, not the messages.
REALTIME_REDIS_DB = 13


@pytest.fixture(scope="session")
def seeded_sqlite(seeded_data):
    """The run's migrated and seeded SQLite file (never written: tests copy it)."""
    return seeded_data / "helpdesk.db"


@pytest.fixture(scope="module")
def console_server(seeded_sqlite, tmp_path_factory):
    """One live server for a module: its own copy of the demo database, shop origin http://shop.test."""
    data_dir = tmp_path_factory.mktemp("console")
    server = helpers.start_server(helpers.copy_database(seeded_sqlite, data_dir), data_dir / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def realtime_redis_url(redis_server_url):
    """A private Redis database (keys only), empty before and after the test."""
    with services.private_redis_db(redis_server_url, REALTIME_REDIS_DB) as url:
        yield url


@pytest.fixture
def own_postgres_url():
    """A PostgreSQL database of this test's own: the shared `postgres_server_url` database is
    create_all/drop_all'ed by other tests."""
    with services.throwaway_postgres_database("helpdesk_rt") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_env(request, seeded_sqlite, tmp_path):
    """The env of both servers: one database (a SQLite file, or PostgreSQL migrated and seeded
    through the real CLI), without REDIS_URL yet."""
    if request.param == "sqlite":
        return helpers.copy_database(seeded_sqlite, tmp_path)
    url = request.getfixturevalue("own_postgres_url")
    env = server_env(tmp_path, url, **helpers.SERVER_SETTINGS)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "helpdesk", "seed-demo")
    return env
