"""Job backends: eager (tests), a thread pool (one process) and RQ on Redis (several processes)."""

from __future__ import annotations

import importlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)
QUEUE_NAME = "helpdesk"


def resolve(func: str):
    """Import "package.module:function"."""
    module_name, _, attr = func.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def run_in_app(app, func: str, kwargs: dict):
    """Run one job inside an app context, logging (not raising) its failure."""
    with app.app_context():
        try:
            return resolve(func)(**kwargs)
        except Exception:  # a failed job must not kill the thread that runs jobs
            log.exception("job failed", extra={"job": func})
            return None


class EagerBackend:
    """Runs each job at once, in the caller's thread: deterministic tests."""

    def __init__(self, app):
        self.app = app

    def enqueue(self, func: str, kwargs: dict) -> None:
        run_in_app(self.app, func, kwargs)


class ThreadBackend:
    """A small thread pool inside the web process, created on first use."""

    def __init__(self, app, workers: int = 2):
        self.app = app
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def enqueue(self, func: str, kwargs: dict) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="helpdesk-job")
        self._executor.submit(run_in_app, self.app, func, kwargs)

    def shutdown(self, wait: bool = True) -> None:
        """Finish (or drop) queued jobs and stop the threads; a later enqueue starts new ones."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)


class RQBackend:
    """Jobs go to a Redis queue; `flask helpdesk worker` runs them."""

    def __init__(self, app, redis_url: str):
        self.app = app
        self.redis_url = redis_url
        self._connection = None
        self._queue = None

    def connection(self):
        """One client (and its connection pool) for the life of the backend."""
        from redis import Redis

        if self._connection is None:
            self._connection = Redis.from_url(self.redis_url)
        return self._connection

    def queue(self):
        from rq import Queue

        if self._queue is None:
            self._queue = Queue(QUEUE_NAME, connection=self.connection())
        return self._queue

    def enqueue(self, func: str, kwargs: dict) -> None:
        # RQ imports jobs by dotted path ("pkg.module.function"); it cannot read the
        # "pkg.module:function" spelling used here, and the worker would fail every job.
        self.queue().enqueue(func.replace(":", "."), kwargs=kwargs)
