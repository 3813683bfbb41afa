"""Fixtures for the realtime tests: a seeded SQLite template, live servers and a private Redis DB."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import redis

from tests.realtime import helpers
from tests.support.live_server import LiveServer, prepared_sqlite

# A Redis database of its own, flushed before and after use. Socket.IO's pub/sub channel is not
# per database (Redis pub/sub ignores SELECT), so only the keys are private, not the messages.
REALTIME_REDIS_DB = 13


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory):
    """Migrate and seed one SQLite file through the real CLI, once; tests copy it."""
    data_dir = tmp_path_factory.mktemp("seeded")
    prepared_sqlite(data_dir)
    return data_dir / "helpdesk.db"


def start_server(env: dict, log_path) -> LiveServer:
    """Start gunicorn, its output kept in log_path for failure reports.

    Not LiveServer(log_path=...): start() leaves that file object unclosed, and the
    ResourceWarning fails the test under filterwarnings=error. gunicorn writes the file itself.
    No control socket: gunicorn 27 puts it at one fixed path (~/.gunicorn/gunicorn.ctl), shared
    by every server started in parallel.
    """
    args = f"--capture-output --error-logfile {log_path} --no-control-socket"
    return LiveServer(dict(env, GUNICORN_CMD_ARGS=args)).start()


@pytest.fixture(scope="module")
def console_server(seeded_sqlite, tmp_path_factory):
    """One live server for a module: its own copy of the demo database, shop origin http://shop.test."""
    data_dir = tmp_path_factory.mktemp("console")
    server = start_server(helpers.copy_database(seeded_sqlite, data_dir), data_dir / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def realtime_redis_url(redis_server_url):
    """A private Redis database (keys only), empty before and after the test."""
    url = urlsplit(redis_server_url)._replace(path=f"/{REALTIME_REDIS_DB}").geturl()
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        yield url
        client.flushdb()
    finally:
        client.close()
