"""/healthz for load balancers and the site root."""

from flask import Blueprint, current_app, jsonify, redirect, url_for

from app.extensions import limiter
from app.services.platform import health


@limiter.exempt
def healthz():
    """200 with the checks when the database answers, 503 otherwise."""
    healthy, body = health.report(current_app.config.get("REDIS_URL"))
    return jsonify(body), 200 if healthy else 503


def index():
    """The root sends visitors to the help center; agents know the /console address."""
    return redirect(url_for("help_center.index"))


def register(bp: Blueprint) -> None:
    """Add the health check and the site root to the system blueprint."""
    bp.add_url_rule("/healthz", view_func=healthz)
    bp.add_url_rule("/", view_func=index)
