"""The console's visitors-on-site page and its live list region (refreshed on visitors_changed)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from app.services.platform import presence


@login_required
def index():
    """Who has the shop open now: page, time on site, stage, cart; an agent can start a chat."""
    return render_template("visitors/index.html", visitors=presence.visitors_online())


def register(bp: Blueprint) -> None:
    """Add the visitors page to the visitors blueprint."""
    bp.add_url_rule("", view_func=index)
