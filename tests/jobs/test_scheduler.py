"""The periodic scheduler on the eager backend, with a fake clock: once per slot, failures contained."""

from __future__ import annotations

import logging
from pathlib import Path

from app.jobs import PeriodicJob
from app.jobs.scheduler import Scheduler, start_in_process
from tests.jobs.sample_jobs import lines

RECORD = PeriodicJob("record", "tests.jobs.sample_jobs:record", 60)
FAIL = PeriodicJob("fail", "tests.jobs.sample_jobs:fail", 60)


def jobs_log(app) -> Path:
    return Path(app.config["HELPDESK_DATA_DIR"]) / "jobs.log"


def test_a_job_runs_once_per_slot(app, clock):
    scheduler = Scheduler(app, jobs=(RECORD,), clock=clock)

    assert scheduler.tick() == ["record"]
    clock.advance(30)
    assert scheduler.tick() == []
    clock.advance(29.9)
    assert scheduler.tick() == []  # 59.9 s in: still the first slot
    assert len(lines(jobs_log(app))) == 1

    clock.advance(0.1)
    assert scheduler.tick() == ["record"]
    assert scheduler.tick() == []
    assert len(lines(jobs_log(app))) == 2


def test_a_clock_that_skips_slots_runs_the_job_once_not_per_missed_slot(app, clock):
    scheduler = Scheduler(app, jobs=(RECORD,), clock=clock)
    scheduler.tick()
    clock.advance(10 * 60)
    assert scheduler.tick() == ["record"]
    assert len(lines(jobs_log(app))) == 2


def test_jobs_keep_their_own_intervals(app, clock, tmp_path):
    hourly = PeriodicJob("hourly", "tests.jobs.sample_jobs:record", 3600)
    scheduler = Scheduler(app, jobs=(RECORD, hourly), clock=clock)
    started = [scheduler.tick()]
    for _ in range(3):
        clock.advance(60)
        started.append(scheduler.tick())
    assert started == [["record", "hourly"], ["record"], ["record"], ["record"]]


def test_the_job_runs_inside_an_app_context(app, clock):
    # record() reads current_app.config; outside an app context it would raise and be logged.
    Scheduler(app, jobs=(RECORD,), clock=clock).tick()
    assert lines(jobs_log(app)) == ["ran MainThread"]


def test_a_failing_job_is_logged_and_does_not_stop_the_scheduler(app, clock, caplog):
    scheduler = Scheduler(app, jobs=(FAIL, RECORD), clock=clock)
    with caplog.at_level(logging.ERROR):
        assert scheduler.tick() == ["fail", "record"]
        clock.advance(60)
        assert scheduler.tick() == ["fail", "record"]
    failures = [r for r in caplog.records if r.getMessage() == "job failed"]
    assert [r.job for r in failures] == [FAIL.func, FAIL.func]
    assert all(r.exc_info and r.exc_info[0] is RuntimeError for r in failures)
    assert len(lines(jobs_log(app))) == 2  # the job after the failing one ran both times


def test_a_job_that_cannot_be_scheduled_is_logged_and_the_others_still_run(app, clock, caplog, monkeypatch):
    scheduler = Scheduler(app, jobs=(FAIL, RECORD), clock=clock)
    real_enqueue = scheduler.backend.enqueue

    def enqueue(func, kwargs):
        if func == FAIL.func:
            raise ConnectionError("queue unreachable")
        return real_enqueue(func, kwargs)

    monkeypatch.setattr(scheduler.backend, "enqueue", enqueue)
    with caplog.at_level(logging.ERROR):
        assert scheduler.tick() == ["record"]
    assert [r.job for r in caplog.records if r.getMessage() == "could not schedule periodic job"] == ["fail"]
    assert len(lines(jobs_log(app))) == 1


def test_start_ticks_at_once_and_stop_ends_the_thread(app, clock):
    scheduler = Scheduler(app, jobs=(RECORD,), clock=clock)
    thread = scheduler.start()
    try:
        assert len(lines(jobs_log(app))) == 1  # the first tick runs before start() returns
    finally:
        scheduler.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(lines(jobs_log(app))) == 1  # the clock did not move: no second run


def test_no_scheduler_in_the_web_process_unless_jobs_run_in_process(app):
    assert app.config["HELPDESK_JOBS"] == "eager"
    assert start_in_process(app) is None
