"""Serves /widget.js at a stable address (the file itself lives under static/js), and the pages
the script shows in iframes on the shop's page: the chat (/widget/chat) and the NPS card
(/widget/nps)."""

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from app.security_headers import CSP

CHAT_LANGUAGES = ("en", "pt", "nl")  # widget_chat.js and widget_nps.js have a catalogue for each


def widget_js():
    """The embeddable script. Shops load it cross-origin, so it is marked cross-origin readable."""
    response = send_from_directory(current_app.static_folder, "js/widget.js", mimetype="text/javascript", max_age=300)
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _framed_page(template: str) -> Response:
    """A page that only the allowed shops may frame, in the shop page's language (?lang=); who the
    visitor is arrives later by postMessage from the shop page, never in the URL."""
    origins = current_app.config["HELPDESK_ALLOWED_ORIGINS"]
    lang = request.args.get("lang", "en")
    response = current_app.make_response(render_template(
        template, lang=lang if lang in CHAT_LANGUAGES else "en", origins=origins))
    # Replaces the default frame-ancestors 'none'; security_headers then leaves out X-Frame-Options,
    # which cannot name several origins.
    ancestors = " ".join(origins) or "'none'"
    response.headers["Content-Security-Policy"] = CSP.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")
    return response


def chat_page():
    """The chat UI, framed by /widget.js on a shop's page."""
    return _framed_page("widget/chat.html")


def nps_page():
    """The NPS card ("How likely are you to recommend us?"), framed by /widget.js over its launcher
    when the chat's socket hears `survey_requested` for NPS."""
    return _framed_page("widget/nps.html")


def register(bp: Blueprint) -> None:
    """Add the widget script and its framed pages to the widget blueprint."""
    bp.add_url_rule("/widget.js", view_func=widget_js)
    bp.add_url_rule("/widget/chat", view_func=chat_page)
    bp.add_url_rule("/widget/nps", view_func=nps_page)
