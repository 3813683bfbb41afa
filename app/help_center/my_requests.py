"""The help center's "My requests": sign in by a one-time email link, see one's tickets, reply."""

from __future__ import annotations

import secrets
from functools import wraps

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from app.extensions import limiter
from app.help_center.forms import ConfirmForm, ReplyForm, SignInForm, SignOutForm
from app.safe_redirect import safe_target
from app.services.access import sign_in_links
from app.services.access.sign_in_links import LinkError
from app.services.errors import DomainError, NotFoundError
from app.services.tickets import my_requests as customer_requests
from app.services.tickets.attachments import files
from app.uploads import accepts_files, send_attachment, uploads_from

SESSION_KEY = "customer_session"


def _shop() -> str:
    return current_app.config["HELPDESK_SHOP_NAME"]


def _customer():
    if "help_customer" not in g:
        g.help_customer = sign_in_links.customer_for_session(session.get(SESSION_KEY))
    return g.help_customer


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if _customer() is None:
            return redirect(url_for("help_center.my_requests"))
        return view(*args, **kwargs)

    return wrapper


def _page(template: str, status: int = 200, **context):
    return render_template(template, shop_name=_shop(), customer=_customer(), sign_out=SignOutForm(),
                           status_label=customer_requests.status_label, **context), status


def _email_key() -> str:
    return "help-sign-in:" + (request.form.get("email") or "").strip().lower()[:254]


@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_HELP_SIGN_IN"], methods=["POST"])
@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_HELP_SIGN_IN"], methods=["POST"], key_func=_email_key)
def my_requests():
    """Signed in: the customer's requests. Signed out: the form that emails a sign-in link; the
    answer is the same whether the address is known or not."""
    customer = _customer()
    if customer is not None:
        return _page("help_center/my_requests.html", tickets=customer_requests.my_tickets(customer))
    form = SignInForm()
    if request.method == "GET":
        return _page("help_center/sign_in.html", form=form)
    if not form.validate_on_submit():
        return _page("help_center/sign_in.html", 400, form=form)
    try:
        sign_in_links.request_sign_in(form.email.data)
    except DomainError as exc:
        form.email.errors = [exc.message]
        return _page("help_center/sign_in.html", exc.status, form=form)
    return _page("help_center/sign_in_sent.html", email=form.email.data.strip())


def sign_in(token: str):
    """A link from an email: a button confirms it (POST), which uses it once and signs in."""
    form = ConfirmForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _page("help_center/sign_in_confirm.html", form=form, token=token)
    try:
        session_token, next_path = sign_in_links.redeem(token)
    except LinkError as exc:
        return _page("help_center/sign_in.html", exc.status, form=SignInForm(formdata=None), link_error=exc.message)
    session[SESSION_KEY] = session_token
    return redirect(safe_target(next_path, url_for("help_center.my_requests")))  # a stored path, checked anyway


def sign_out():
    if SignOutForm().validate_on_submit():
        sign_in_links.sign_out(session.pop(SESSION_KEY, None))
    return redirect(url_for("help_center.my_requests"))


def _thread_page(ticket, form: ReplyForm, status: int = 200):
    return _page("help_center/my_request.html", status, ticket=ticket, form=form,
                 thread=customer_requests.public_thread(ticket))


@signed_in
def my_request(ticket_id: int):
    try:
        ticket = customer_requests.my_ticket(_customer(), ticket_id)
    except NotFoundError:
        return _page("help_center/not_found.html", 404)
    if ticket.id != ticket_id:  # merged into another: the conversation goes on there
        return redirect(url_for("help_center.my_request", ticket_id=ticket.id))
    form = ReplyForm()
    form.client_key.data = secrets.token_hex(12)
    return _thread_page(ticket, form)


@signed_in
@accepts_files
def reply(ticket_id: int):
    """The customer answers, with files; a double submit is one message (client_key); errors keep
    the text (the files must be chosen again)."""
    customer = _customer()
    try:
        ticket = customer_requests.my_ticket(customer, ticket_id)
    except NotFoundError:
        return _page("help_center/not_found.html", 404)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _thread_page(ticket, form, 400)
    try:
        answered = customer_requests.reply(customer, ticket.id, form.body.data, client_key=form.client_key.data or None,
                                           uploads=uploads_from(form.attachments))
    except DomainError as exc:
        getattr(form, exc.field or "body", form.body).errors = [exc.message]
        return _thread_page(ticket, form, exc.status)
    return redirect(url_for("help_center.my_request", ticket_id=answered.id, _anchor="latest"))


@signed_in
def attachment(ticket_id: int, attachment_id: int):
    """A file on a public message of the customer's own request; 404, as for a file that does not
    exist, for another customer's request and for agents' notes."""
    try:
        download = files.customer_download(_customer(), ticket_id, attachment_id)
    except NotFoundError:
        return _page("help_center/not_found.html", 404)
    return send_attachment(download)


def register(bp: Blueprint) -> None:
    """Add My requests (sign-in by link, the requests, replies and files) to the help-center blueprint."""
    bp.add_url_rule("/requests", view_func=my_requests, methods=["GET", "POST"])
    bp.add_url_rule("/sign-in/<token>", view_func=sign_in, methods=["GET", "POST"])
    bp.add_url_rule("/sign-out", view_func=sign_out, methods=["POST"])
    bp.add_url_rule("/requests/<int:ticket_id>", view_func=my_request, methods=["GET"])
    bp.add_url_rule("/requests/<int:ticket_id>/reply", view_func=reply, methods=["POST"])
    bp.add_url_rule("/requests/<int:ticket_id>/attachments/<int:attachment_id>", view_func=attachment)
