"""Settings › Email: the outbox, newest first — what was sent, what waits, what failed and why. In
development (HELPDESK_EMAIL_DELIVERY=outbox) nothing is sent and this is where mail can be read."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from app.auth.access import admin_required
from app.extensions import db
from app.models import OutboxEmail

PAGE = 100


@admin_required
def outbox_page():
    emails = list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(PAGE)))
    return render_template("console/settings/outbox.html", emails=emails,
                           delivery=current_app.config["HELPDESK_EMAIL_DELIVERY"],
                           smtp=f"{current_app.config['HELPDESK_SMTP_HOST']}:{current_app.config['HELPDESK_SMTP_PORT']}")


def register(bp: Blueprint) -> None:
    """Add Settings › Email to the console blueprint."""
    bp.add_url_rule("/settings/email", view_func=outbox_page, methods=["GET"])
