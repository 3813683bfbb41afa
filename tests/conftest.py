"""Fixtures: an app on a fresh database per test, clients, signed-in agents, factories, services."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db as _db
from config import TestConfig
from tests import factories
from tests.factories import AGENT_PASSWORD
from tests.support import routing_cache, services
from tests.support.html import csrf_from
from tests.support.live_server import copy_sqlite, seeded_template

routing_cache.install()


class FreshGlobalsClient(FlaskClient):
    """Requests reuse the test's app context (and so its db session), as Flask does when one is
    pushed; `g` however starts empty for each request, as in production, so that per-request
    caches (the CSRF token, Flask-Login's user) cannot leak from one request into the next."""

    def open(self, *args, **kwargs):
        namespace = g._get_current_object().__dict__
        saved = dict(namespace)
        namespace.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            namespace.clear()
            namespace.update(saved)


@pytest.fixture(scope="session")
def empty_sqlite(tmp_path_factory) -> Path:
    """An SQLite file with the models' tables and nothing in them, made once: each test copies it
    (a millisecond) instead of creating the tables again (a tenth of a second)."""
    path = tmp_path_factory.mktemp("empty-schema") / "empty.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", HELPDESK_DATA_DIR=str(path.parent))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, empty_sqlite):
    """The app on an empty SQLite file in tmp_path (a file, so threads share it)."""
    database = tmp_path / "test.db"
    copy_sqlite(empty_sqlite, database)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", HELPDESK_DATA_DIR=str(tmp_path))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_agent(request):
    """Factory: tests.factories.make_agent(role="agent", email=None, password=AGENT_PASSWORD,
    name=None) -> Agent, on the test's app: any_app's database when the test asks for any_app
    (asking for `app` too would push a second, SQLite, app context over it), else `app`."""
    request.getfixturevalue("any_app" if "any_app" in request.fixturenames else "app")
    return factories.make_agent


class AuthActions:
    """Sign in and out through the real forms, CSRF included (flaskr's AuthActions)."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/console/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, email: str, password: str = AGENT_PASSWORD):
        token = self.csrf()
        return self.client.post(
            "/console/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = self.csrf("/console/")
        return self.client.post("/console/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def admin(make_agent, auth):
    """A signed-in admin (the client carries the session)."""
    agent = make_agent("admin")
    response = auth.login(agent.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return agent


@pytest.fixture
def post_form(client):
    """POST a console form with the CSRF token taken from `page` (default: the form's own path)."""

    def post(path: str, data: dict | None = None, page: str | None = None, **kwargs):
        token = csrf_from(client.get(page or "/console/").get_data(as_text=True))
        return client.post(path, data={**(data or {}), "csrf_token": token}, **kwargs)

    return post


@pytest.fixture
def console_socket(app, client, make_agent, auth):
    """A signed-in agent's /console socket (the login cookie and page CSRF token carry over)."""
    from app.extensions import socketio

    auth.login(make_agent().email)
    token = csrf_from(client.get("/console/").get_data(as_text=True))
    sio = socketio.test_client(app, namespace="/console", flask_test_client=client, auth={"csrf_token": token})
    assert sio.is_connected("/console")
    yield sio
    if sio.is_connected("/console"):
        sio.disconnect("/console")


# --- PostgreSQL and Redis -------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server_url():
    """The URL of a throwaway database on the test PostgreSQL server, dropped at the end."""
    with services.throwaway_postgres_database("helpdesk_test") as url:
        yield url


@pytest.fixture(scope="session")
def pg_emptying(postgres_server_url) -> str:
    """The models' tables made once on the throwaway database; returns the SQL that empties them
    again (a few milliseconds, where dropping and creating them takes a quarter of a second)."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=postgres_server_url)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        with _db.engine.connect() as conn:
            sequences = conn.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'").scalars()
            restarts = [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        _db.engine.dispose()
    deletes = [f'DELETE FROM "{table.name}"' for table in reversed(_db.metadata.sorted_tables)]
    return "; ".join(deletes + restarts)


@pytest.fixture
def pg_app(postgres_server_url, pg_emptying, tmp_path):
    """The app on the throwaway PostgreSQL database: its tables, emptied after each test."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=postgres_server_url, HELPDESK_DATA_DIR=str(tmp_path))
    with app.app_context():
        try:
            yield app
        finally:
            _db.session.remove()
            with _db.engine.begin() as conn:
                conn.exec_driver_sql(pg_emptying)
            _db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_app(request):
    """The app on each supported database, for model and service tests that must hold on both."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


@pytest.fixture(scope="session")
def redis_server_url():
    url = services.redis_url()
    reason = services.check_redis(url)
    if reason:
        services.unavailable("Redis", reason)
    return url


# --- parallel runs -------------------------------------------------------------------------
# `make test` runs two pytest-xdist workers (--dist loadgroup). Tests that share one resource stay
# on one worker: the Redis tests share Socket.IO's pub/sub channel and their fixed Redis databases.
# The browser tests go by module, so that both workers run them: a module's tests share its demo
# server, and each worker starts its own Chromium and live server (a copy of the seeded template).
SERIAL_GROUPS = (("tests/realtime/", "redis"), ("tests/jobs/", "redis"),
                 ("tests/system/test_health_and_errors.py", "redis"))
BY_MODULE = "tests/browser/"


def pytest_itemcollected(item):
    """Mark each test with its group as it is collected."""
    if item.nodeid.startswith(BY_MODULE):
        module = item.nodeid.split("::", 1)[0].removeprefix(BY_MODULE).removesuffix(".py")
        item.add_marker(pytest.mark.xdist_group(f"browser-{module}"))
    for prefix, group in SERIAL_GROUPS:
        if item.nodeid.startswith(prefix):
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """On an xdist worker with --dist loadgroup: put the group after the test's id ("…@browser"),
    which is how the controller groups tests. pytest-xdist 3.8 sets `item._nodeid`, which pytest 9
    no longer reads (the id is `item._id`), so without this every test would be dealt out alone."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        groups = sorted({m.args[0] for m in item.iter_markers("xdist_group") if m.args})
        if groups and "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory) -> Path:
    """The demo's seeded data directory, built once per run (shared by the xdist workers, whose
    temporary directories sit side by side); copy it with live_server.seeded_copy, never write it."""
    base = tmp_path_factory.getbasetemp()
    return seeded_template(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)
