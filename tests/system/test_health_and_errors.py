"""/healthz, error answers and browser hardening headers."""

import pytest

from app import create_app
from config import TestConfig


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_503_when_the_database_does_not_answer(tmp_path):
    # A real driver against a closed port: the failure is the database's, not a mock's.
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="postgresql://postgres@127.0.0.1:1/none",
                     HELPDESK_DATA_DIR=str(tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "down" and response.json["checks"]["database"] == "down"


def test_healthz_reports_redis_down_as_degraded(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "checks": {"database": "ok", "redis": "down"}}


def test_html_pages_get_html_errors(client):
    response = client.get("/console/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html" and b"Nothing was found" in response.data


def test_json_clients_get_json_errors(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_oversized_body_is_413_and_nothing_is_read(app, client, make_agent):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/console/login", data={"email": "a" * 2048, "password": "x"})
    assert response.status_code == 413
    api = client.post("/api/v1/whoami", data=b"x" * 2048, content_type="application/json")
    assert api.status_code in (401, 405, 413) and api.is_json


def test_unexpected_errors_are_generic_500s_without_traces(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret-db-password-in-message")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"secret-db-password" not in response.data and b"Traceback" not in response.data


def _static_get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments:
            yield rule.rule


def test_every_page_sends_hardening_headers(app, client):
    paths = list(_static_get_rules(app))
    assert "/console/login" in paths and "/healthz" in paths
    for path in paths:
        with client.get(path) as response:
            headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "script-src 'self'" in headers["Content-Security-Policy"], path
        assert "unsafe-inline" not in headers["Content-Security-Policy"], path
        assert headers["Referrer-Policy"], path


def test_console_pages_are_not_cached(admin, client):
    assert client.get("/console/").headers["Cache-Control"] == "no-store"


def test_widget_script_is_served_for_other_origins(client):
    with client.get("/widget.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_help_center_and_root(client):
    assert client.get("/help/", headers={"Accept-Language": "nl-NL,nl;q=0.9"}).headers["Location"] == "/help/nl/"
    assert client.get("/help/").headers["Location"] == "/help/en/"
    assert client.get("/help/en/").status_code == 200
    assert client.get("/").headers["Location"] == "/help/"


@pytest.mark.parametrize("incoming,kept", [("abcdef1234567890", True), ("bad id; <script>", False)])
def test_request_id_is_echoed_only_when_well_formed(client, incoming, kept):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert (response.headers["X-Request-ID"] == incoming) is kept
