"""/api/v1: bearer keys, JSON errors and the generated OpenAPI document."""

import pytest

from app.services.access import api_keys
from app.services.platform.audit import CLI


@pytest.fixture
def key(app):
    return api_keys.create_api_key("Shop server", by=CLI)


def test_whoami_with_a_valid_key(client, key):
    response = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key.secret}"})
    assert response.status_code == 200
    assert response.json["key"]["name"] == "Shop server"
    assert response.json["key"]["prefix"] == key.secret[:10]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer hd_wrong", "Basic abc", "bearer  "])
def test_missing_or_bad_keys_get_a_json_401(client, key, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/whoami", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json["error"]["message"]


def test_revoked_key_gets_401(client, key):
    api_keys.revoke_api_key(key.key.id, by=CLI)
    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key.secret}"}).status_code == 401


def test_unknown_api_path_and_method_are_json(client, key):
    auth = {"Authorization": f"Bearer {key.secret}"}
    missing = client.get("/api/v1/nothing-here", headers=auth)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/whoami", headers=auth)
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]


def test_openapi_document_is_generated_from_the_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/whoami" in spec["paths"]
    assert "WhoAmI" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_api_requests_are_rate_limited_per_key(app, client, key):
    app.config["HELPDESK_LIMIT_API"] = "3 per minute"
    auth = {"Authorization": f"Bearer {key.secret}"}
    statuses = [client.get("/api/v1/whoami", headers=auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/whoami", headers=auth).json["error"]["code"] == "too_many_requests"
