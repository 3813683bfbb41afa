"""`flask --app wsgi helpdesk ...`: admin accounts, API keys, demo data, the job worker, inbound email."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import cli_stores
from app.demo import seed
from app.jobs import PERIODIC_JOBS
from app.jobs.backends import resolve
from app.services.access import agents, api_keys
from app.services.customers import lifecycle
from app.services.errors import DomainError
from app.services.knowledge import articles, index_sync
from app.services.platform.audit import CLI
from app.services.tickets.email import inbound

helpdesk = AppGroup("helpdesk", help="Helpdesk administration.")


@helpdesk.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default="Admin", show_default=True)
def create_admin(email: str, password: str, name: str) -> None:
    """Create an admin who can sign in to the console."""
    try:
        agent = agents.create_agent(email, name, "admin", password, by=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Admin {agent.email} created.")


@helpdesk.command("create-api-key")
@click.option("--name", required=True, help="Where the key will be used.")
def create_api_key(name: str) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    try:
        new_key = api_keys.create_api_key(name, by=CLI)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(new_key.secret)


@helpdesk.command("seed-demo")
def seed_demo() -> None:
    """Load the demo shop; running it again changes nothing."""
    report = seed.seed_demo()
    click.echo(f"Demo data ready ({report.agents_created} agents created, {report.events_accepted} customer events).")
    click.echo(f"Console: sign in as {seed.DEMO_ADMIN_EMAIL} / {seed.DEMO_ADMIN_PASSWORD}")


@helpdesk.command("inbound-email")
def inbound_email_command() -> None:
    """Read one raw email on standard input (a mail server's pipe) and thread it into a ticket."""
    raw = click.get_binary_stream("stdin").read(current_app.config["HELPDESK_INBOUND_MAX_BYTES"] + 1)
    if len(raw) > current_app.config["HELPDESK_INBOUND_MAX_BYTES"]:
        raise click.ClickException("The email is larger than HELPDESK_INBOUND_MAX_BYTES.")
    try:
        received = inbound.receive(raw)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{received.outcome}: ticket #{received.ticket_id}")


@helpdesk.command("recompute-lifecycle")
def recompute_lifecycle() -> None:
    """Reassess every buyer's stage and flags now (the hourly job does it too); prints the count."""
    changed = lifecycle.recompute_lifecycle()["changed"]
    click.echo(f"{changed} customer{'' if changed == 1 else 's'} changed.")


@helpdesk.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--no-scheduler", is_flag=True, help="Do not enqueue periodic jobs from this worker.")
def worker(burst: bool, no_scheduler: bool) -> None:
    """Run background jobs from Redis (needs REDIS_URL); also schedules the periodic jobs."""
    if current_app.config["HELPDESK_JOBS"] != "redis":
        raise click.ClickException("The worker needs REDIS_URL; without it jobs run inside the web process.")
    from app.jobs.worker import run_worker  # here: it imports rq, which no other command or request needs

    run_worker(current_app._get_current_object(), burst=burst, with_scheduler=not no_scheduler)


@helpdesk.command("run-job")
@click.argument("name")
def run_job(name: str) -> None:
    """Run one periodic job now, in this process (for cron or by hand)."""
    jobs = {job.name: job for job in PERIODIC_JOBS}
    if name not in jobs:
        raise click.ClickException(f"Unknown job {name!r}. Known: {', '.join(sorted(jobs))}")
    click.echo(f"{name}: {resolve(jobs[name].func)()}")


kb = AppGroup("kb", help="The knowledge base: import, export, rebuild the search index.")


@kb.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def kb_import(directory: str) -> None:
    """Import Markdown articles (with YAML front matter) from DIRECTORY, upserting by slug and language."""
    report = articles.import_directory(directory, by=CLI)
    for path, reason in report.failed:
        click.echo(f"failed: {path}: {reason}", err=True)
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.failed)} failed.")
    if report.failed:
        raise SystemExit(1)


@kb.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--language", help="Only this language.")
def kb_export(directory: str, language: str | None) -> None:
    """Write every article to DIRECTORY/<language>/<slug>.md."""
    click.echo(f"{articles.export_articles(directory, language=language)} articles written to {directory}.")


@kb.command("reindex")
def kb_reindex() -> None:
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    for language, count in index_sync.reindex().items():
        click.echo(f"{language}: {count} article{'' if count == 1 else 's'} indexed.")


@kb.command("reconcile")
def kb_reconcile() -> None:
    """Repair index entries that differ from the database (the periodic job does it too)."""
    for language, count in index_sync.reconcile().items():
        click.echo(f"{language}: {count} fixed.")


def init_app(app: Flask) -> None:
    cli_stores.register(helpdesk)
    app.cli.add_command(helpdesk)
    app.cli.add_command(kb)
