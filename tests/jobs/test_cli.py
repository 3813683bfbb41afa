"""`flask helpdesk worker` refuses to start without Redis."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args", [[], ["--burst"], ["--burst", "--no-scheduler"]])
def test_worker_without_redis_exits_with_a_reason(runner, args):
    result = runner.invoke(args=["helpdesk", "worker", *args])
    assert result.exit_code != 0
    assert "The worker needs REDIS_URL" in result.output


def test_worker_without_redis_in_process_mode_too(make_jobs_app):
    result = make_jobs_app("inprocess").test_cli_runner().invoke(args=["helpdesk", "worker", "--burst"])
    assert result.exit_code != 0
    assert "needs REDIS_URL" in result.output
