"""Job backends for real: RQ on Redis with two schedulers and the worker, and the in-process thread pool."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rq.registry import FailedJobRegistry, FinishedJobRegistry

from app.jobs import PERIODIC_JOBS, PeriodicJob, backend_for, enqueue
from app.jobs.scheduler import Scheduler
from app.jobs.worker import run_worker
from tests.jobs.sample_jobs import lines

RECORD = PeriodicJob("record", "tests.jobs.sample_jobs:record", 60)


def data_dir(app) -> Path:
    return Path(app.config["HELPDESK_DATA_DIR"])


@pytest.mark.redis
def test_two_schedulers_enqueue_a_periodic_job_once_per_slot(make_jobs_app, jobs_redis_url, clock):
    app_a = make_jobs_app("redis", jobs_redis_url, name="a")
    app_b = make_jobs_app("redis", jobs_redis_url, name="b")
    schedulers = [Scheduler(app, jobs=(RECORD,), clock=clock) for app in (app_a, app_b)]
    queue = backend_for(app_a).queue()

    assert [s.tick() for s in schedulers] == [["record"], []]
    assert queue.count == 1
    clock.advance(30)
    assert [s.tick() for s in schedulers] == [[], []]
    assert queue.count == 1

    clock.advance(30)  # the next slot; this time b gets there first
    assert [s.tick() for s in reversed(schedulers)] == [["record"], []]
    assert queue.count == 2


@pytest.mark.redis
@pytest.mark.usefixtures("keep_signal_handlers")
def test_the_worker_runs_queued_jobs_in_an_app_context(make_jobs_app, jobs_redis_url, clock, tmp_path):
    app = make_jobs_app("redis", jobs_redis_url, name="worker")
    Scheduler(app, jobs=(RECORD,), clock=clock).tick()
    with app.app_context():
        enqueue("tests.jobs.sample_jobs:record", path=str(tmp_path / "direct.log"), label="direct")
    queue = backend_for(app).queue()
    assert queue.count == 2

    run_worker(app, burst=True, with_scheduler=False)

    assert queue.count == 0
    assert FailedJobRegistry(queue=queue).count == 0
    assert lines(data_dir(app) / "jobs.log") == ["ran MainThread"]  # the periodic job, kwargs {}
    assert lines(tmp_path / "direct.log") == ["direct MainThread"]


@pytest.mark.redis
@pytest.mark.usefixtures("keep_signal_handlers")
def test_the_worker_command_runs_the_shipped_periodic_jobs(make_jobs_app, jobs_redis_url):
    # `flask helpdesk worker --burst` schedules PERIODIC_JOBS, then works the queue until empty.
    app = make_jobs_app("redis", jobs_redis_url, name="cli")
    result = app.test_cli_runner().invoke(args=["helpdesk", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    queue = backend_for(app).queue()
    assert FailedJobRegistry(queue=queue).count == 0
    assert FinishedJobRegistry(queue=queue).count == len(PERIODIC_JOBS)


def wait_for_lines(path: Path, count: int, timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lines(path)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{path} has {lines(path)} after {timeout}s, expected {count} lines")


def test_the_thread_backend_runs_jobs_in_a_thread_with_an_app_context(make_jobs_app, tmp_path, caplog):
    app = make_jobs_app("inprocess", name="threads")
    backend = backend_for(app)
    try:
        with app.app_context():
            enqueue("tests.jobs.sample_jobs:fail")
            enqueue("tests.jobs.sample_jobs:record", label="first")  # default path: needs current_app
            enqueue("tests.jobs.sample_jobs:record", path=str(tmp_path / "second.log"), label="second")
        first = wait_for_lines(data_dir(app) / "jobs.log", 1)
        second = wait_for_lines(tmp_path / "second.log", 1)
    finally:
        backend.shutdown(wait=True)
    for line, label in ((first, "first"), (second, "second")):
        assert line[0].startswith(f"{label} helpdesk-job"), line
    # The failing job was logged and did not take the pool down.
    assert any(r.getMessage() == "job failed" and r.job == "tests.jobs.sample_jobs:fail" for r in caplog.records)
