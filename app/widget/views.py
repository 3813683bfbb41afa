"""Serves /widget.js at a stable address (the file itself lives under static/js), and the chat page
(/widget/chat) that the script shows in an iframe on the shop's page."""

from flask import Blueprint, current_app, render_template, request, send_from_directory

from app.security_headers import CSP

bp = Blueprint("widget", __name__)

CHAT_LANGUAGES = ("en", "pt", "nl")  # widget_chat.js has a catalogue for each


@bp.route("/widget.js")
def widget_js():
    """The embeddable script. Shops load it cross-origin, so it is marked cross-origin readable."""
    response = send_from_directory(current_app.static_folder, "js/widget.js", mimetype="text/javascript", max_age=300)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.route("/widget/chat")
def chat_page():
    """The chat UI, framed by /widget.js on a shop's page: only the allowed shops may frame it.

    ?lang= picks the catalogue (the shop page's language); who the visitor is arrives later by
    postMessage from the shop page, never in the URL."""
    origins = current_app.config["HELPDESK_ALLOWED_ORIGINS"]
    lang = request.args.get("lang", "en")
    response = current_app.make_response(render_template(
        "widget/chat.html", lang=lang if lang in CHAT_LANGUAGES else "en", origins=origins))
    # Replaces the default frame-ancestors 'none'; security_headers then leaves out X-Frame-Options,
    # which cannot name several origins.
    ancestors = " ".join(origins) or "'none'"
    response.headers["Content-Security-Policy"] = CSP.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")
    return response
