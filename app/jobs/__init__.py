"""Background and periodic work behind one interface: in a thread here, or on Redis with RQ.

Services call `enqueue("package.module:function", **kwargs)` after their commit. Work is always
named by such a string, never imported: this package sits below the services that use it. Periodic
jobs are listed in PERIODIC_JOBS; the scheduler enqueues each one once per interval, even when
several processes run a scheduler, because each slot is claimed in Redis first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from app.jobs.backends import EagerBackend, RQBackend, ThreadBackend

EXTENSION_KEY = "helpdesk_jobs"


@dataclass(frozen=True)
class PeriodicJob:
    """A job that runs every `every` seconds."""

    name: str
    func: str
    every: int


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("purge_expired_sessions", "app.services.access.auth:purge_expired_sessions", 3600),
    # Stages and flags that change with time alone: post-purchase window, at risk, churned.
    PeriodicJob("recompute_lifecycle", "app.services.customers.lifecycle:recompute_lifecycle", 3600),
    # The outbox's sender (a no-op while HELPDESK_EMAIL_DELIVERY=outbox keeps mail in the console).
    PeriodicJob("deliver_outbox", "app.services.platform.email_sender:deliver_outbox", 10),
    # SLA targets that passed unmet: marked, audited, the assignee told.
    PeriodicJob("mark_sla_breaches", "app.services.tickets.sla.targets:mark_breaches", 60),
    # Knowledge-base index entries a failed or lost write left behind: compared with the database.
    PeriodicJob("reconcile_kb_index", "app.services.knowledge.index_sync:reconcile", 600),
    # The reports' daily figures of the last month, rebuilt (pages rebuild today's themselves).
    PeriodicJob("rebuild_report_figures", "app.services.reports.daily_figures:rebuild_recent", 3600),
    # Store webhook deliveries kept for deduplication: a week's worth.
    PeriodicJob("prune_store_deliveries", "app.services.stores.webhooks:prune_deliveries", 86_400),
)
# The outreach rules' timer (time-based triggers) runs beside the scheduler, as a thread of its own.
# Like the jobs above it is named, not imported: this package runs the services' work and sits
# below them (docs/architecture.md).
OUTREACH_TIMER = "app.services.outreach.timer:OutreachTimer"


def init_app(app: Flask) -> None:
    """Choose the backend named by HELPDESK_JOBS (eager, inprocess or redis); starts nothing."""
    mode = app.config["HELPDESK_JOBS"]
    if mode == "eager":
        backend = EagerBackend(app)
    elif mode == "inprocess":
        backend = ThreadBackend(app)
    elif mode == "redis":
        if not app.config.get("REDIS_URL"):
            raise RuntimeError("HELPDESK_JOBS=redis needs REDIS_URL")
        backend = RQBackend(app, app.config["REDIS_URL"])
    else:
        raise RuntimeError(f"HELPDESK_JOBS must be eager, inprocess or redis, not {mode!r}")
    app.extensions[EXTENSION_KEY] = backend


def backend_for(app: Flask):
    """The job backend bound to an app."""
    return app.extensions[EXTENSION_KEY]


def enqueue(func: str, **kwargs) -> None:
    """Run `func(**kwargs)` in the background, inside an app context. kwargs must be JSON-able."""
    backend_for(current_app).enqueue(func, kwargs)
