"""Serves /widget.js at a stable address (the file itself lives under static/js)."""

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("widget", __name__)


@bp.route("/widget.js")
def widget_js():
    """The embeddable script. Shops load it cross-origin, so it is marked cross-origin readable."""
    response = send_from_directory(current_app.static_folder, "js/widget.js", mimetype="text/javascript", max_age=300)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
