"""The RQ worker behind `flask helpdesk worker`: runs queued jobs inside an app context."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from app.jobs import backend_for
from app.jobs.backends import QUEUE_NAME
from app.jobs.scheduler import Scheduler, start_outreach_timer


class AppWorker(SimpleWorker):
    """A non-forking worker: one process, one app, one connection pool, jobs in app context."""

    def __init__(self, *args, app, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, job, queue):
        with self.app.app_context():
            return super().perform_job(job, queue)


def run_worker(app, *, burst: bool = False, with_scheduler: bool = True) -> None:
    """Work the helpdesk queue until stopped (or until it is empty, with burst)."""
    backend = backend_for(app)
    connection = backend.connection()
    if with_scheduler:
        scheduler = Scheduler(app)
        scheduler.tick() if burst else scheduler.start()
        if not burst:
            start_outreach_timer(app)
    worker = AppWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection, app=app)
    worker.work(burst=burst, with_scheduler=False)
