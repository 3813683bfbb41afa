"""I4 with a fuzzer: Schemathesis, driven by the OpenAPI document, against the real server on
127.0.0.1. No generated request may get a 5xx, and every answer must be one the document declares.

Responses, error bodies included, must match their documented schemas. Not (yet) checked: that
every schema-valid request is accepted (`positive_data_acceptance`), since the document cannot say
"customer_id or anonymous_id" nor the per-type properties.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.live_server import LiveServer, flask_cli, seeded_copy

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "ignored_auth",
])


def test_schemathesis_finds_no_server_error_on_events_profiles_and_conversations(tmp_path, seeded_data):
    env = seeded_copy(seeded_data, tmp_path, HELPDESK_RATE_LIMITS="off", LOG_LEVEL="WARNING")
    key = flask_cli(env, "helpdesk", "create-api-key", "--name", "fuzz").strip()
    with LiveServer(env, log_path=tmp_path / "server.log") as server:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "schemathesis"), "run", server.url + "/api/v1/openapi.json",
             "-H", f"Authorization: Bearer {key}", "--checks", CHECKS, "--max-examples", "150", "--seed", "4",
             "--include-path-regex", "^/api/v1/(events|customers|conversations|tickets)",
             "--generation-database", "none",
             "--no-color", "--report-dir", str(tmp_path / "report")],
            cwd=tmp_path, capture_output=True, text=True, timeout=240,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
