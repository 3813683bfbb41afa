"""Public help-center pages: the front page and the request form."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from app.extensions import limiter
from app.help_center.forms import RequestForm
from app.help_center.strings import preferred_language
from app.services.errors import DomainError
from app.services.knowledge import search
from app.services.platform.audit import Actor
from app.services.tickets import intake
from app.services.tickets.intake import Requester, TicketRequest
from app.uploads import accepts_files, uploads_from


def _shop() -> str:
    return current_app.config["HELPDESK_SHOP_NAME"]


def index():
    """The help center's front page: the knowledge base in the visitor's language."""
    return redirect(url_for("help_center.kb_home", lang=preferred_language()))


def _form_page(form: RequestForm, status: int = 200):
    return render_template("help_center/request.html", form=form, shop_name=_shop()), status


@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_HELP_REQUESTS"], methods=["POST"])
@accepts_files
def new_request():
    """Submit a request, with files: a ticket on channel help_center for the email given (found or
    a new customer). What was typed stays in the form when something is wrong (files are chosen again)."""
    form = RequestForm()
    if request.method == "GET":
        form.client_key.data = secrets.token_hex(12)
        return _form_page(form)
    if not form.validate_on_submit():
        return _form_page(form, 400)
    try:
        intake.create_ticket(TicketRequest(
            subject=form.subject.data, body=form.body.data, channel="help_center",
            requester=Requester(email=form.email.data, name=form.name.data), client_key=form.client_key.data or None),
            by=Actor("customer", label=form.email.data.strip().lower()), uploads=uploads_from(form.attachments))
    except DomainError as exc:
        getattr(form, exc.field or "body", form.body).errors = [exc.message]
        return _form_page(form, exc.status)
    # For the knowledge-base reports: this visitor's searches just before did not answer them.
    search.record_contact(request.cookies.get("hc_visitor"), "ticket")
    flash(f"Thank you: we have your request and will answer at {form.email.data.strip()}.", "success")
    return redirect(url_for("help_center.request_sent"))


def request_sent():
    """After a request: what happens next (the ticket's number is not in the address)."""
    return render_template("help_center/sent.html", shop_name=_shop())


def register(bp: Blueprint) -> None:
    """Add the front page and the request form to the help-center blueprint."""
    bp.add_url_rule("/", view_func=index)
    bp.add_url_rule("/requests/new", view_func=new_request, methods=["GET", "POST"])
    bp.add_url_rule("/requests/sent", view_func=request_sent)
