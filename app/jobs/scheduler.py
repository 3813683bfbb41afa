"""Runs PERIODIC_JOBS: each interval is a numbered slot, enqueued by whichever process claims it."""

from __future__ import annotations

import logging
import threading
import time

from werkzeug.utils import import_string

from app.jobs import OUTREACH_TIMER, PERIODIC_JOBS, PeriodicJob, backend_for
from app.jobs.backends import RQBackend

log = logging.getLogger(__name__)


class Scheduler:
    """Checks once a second which periodic jobs have entered a new slot and enqueues them."""

    def __init__(self, app, jobs: tuple[PeriodicJob, ...] = PERIODIC_JOBS, clock=time.time):
        self.app = app
        self.jobs = jobs
        self.clock = clock
        self.backend = backend_for(app)
        self._last_slot: dict[str, int] = {}
        self._stop = threading.Event()

    def _claim(self, job: PeriodicJob, slot: int) -> bool:
        """In one process every slot is ours; with Redis, SET NX makes exactly one process win."""
        if not isinstance(self.backend, RQBackend):
            return True
        key = f"helpdesk:periodic:{job.name}:{slot}"
        return bool(self.backend.connection().set(key, "1", nx=True, ex=max(job.every * 2, 60)))

    def tick(self) -> list[str]:
        """Enqueue the jobs that are due now; returns their names."""
        now = self.clock()
        started = []
        for job in self.jobs:
            slot = int(now // job.every)
            if self._last_slot.get(job.name) == slot:
                continue
            self._last_slot[job.name] = slot
            try:
                if self._claim(job, slot):
                    self.backend.enqueue(job.func, {})
                    started.append(job.name)
            except Exception:  # Redis down: try again next slot, keep the thread alive
                log.exception("could not schedule periodic job", extra={"job": job.name})
        return started

    def run_forever(self, interval: float = 1.0) -> None:
        while not self._stop.wait(interval):
            self.tick()

    def start(self) -> threading.Thread:
        """Start ticking in a daemon thread (first tick at once)."""
        self.tick()
        thread = threading.Thread(target=self.run_forever, name="helpdesk-scheduler", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def start_in_process(app) -> Scheduler | None:
    """Called by the server entry point (not create_app): a scheduler and the outreach timer
    inside the web process when jobs run in-process. With Redis, `flask helpdesk worker` runs
    them instead."""
    if app.config["HELPDESK_JOBS"] != "inprocess":
        return None
    scheduler = Scheduler(app)
    scheduler.start()
    start_outreach_timer(app)
    return scheduler


def start_outreach_timer(app):
    """The outreach rules' timer (time-based triggers), in a daemon thread."""
    timer = import_string(OUTREACH_TIMER)(app)
    timer.start()
    return timer
