"""Ticket pages: the views, one ticket (thread, reply, properties with conflict handling, the
customer's panel and the audit trail), a new ticket on a customer's behalf, a chat turned into one."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from wtforms import SelectChoice

from app.console.access import current_actor
from app.services import presence, ticket_groups, ticket_search, ticket_updates, ticket_views, tickets
from app.services.errors import DomainError
from app.services.ticket_updates import TicketConflictError
from app.services.tickets import Requester, TicketRequest
from app.tickets.forms import LABELS, BulkForm, MergeLookupForm, NewTicketForm, PropertiesForm, ReplyForm

bp = Blueprint("tickets", __name__, url_prefix="/console/tickets")


@bp.app_template_filter("ticket_label")
def ticket_label(value: str | None) -> str:
    """“on_hold” → “On hold”, for statuses, priorities and types; other values (names) as they are."""
    return LABELS.get(value or "", value or "")


@bp.route("")
@login_required
def index():
    """A view's tickets (My open tickets by default), newest activity first, 50 a page."""
    return index_page()


def list_args() -> dict:
    """Which list the request is about (view, tag, search, page), for links and redirects back."""
    view = request.args.get("view", "mine")
    return {"view": view if view in ticket_views.VIEWS else "mine", "tag": request.args.get("tag") or None,
            "q": (request.args.get("q") or "").strip()[:200] or None, "after": request.args.get("after") or None}


def index_page(*, bulk: BulkForm | None = None, bulk_error: str | None = None, conflict=None, status: int = 200):
    """The list page for list_args(), with the bulk bar (a submitted one keeps its selection and
    choices; an error or a conflict is shown in it)."""
    args = list_args()
    page = ticket_views.list_tickets(args["view"], current_user.id, after=args["after"], tag=args["tag"],
                                     query=args["q"])
    bulk = bulk or BulkForm.with_choices(presence.team(), ticket_groups.all_groups(), current_user.id,
                                         formdata=None)
    selected = set(bulk.selection()) if bulk.is_submitted() and not bulk.tickets.errors else set()
    return render_template("tickets/index.html", page=page, view=args["view"], views=ticket_views.VIEWS,
                           tag=args["tag"] or "", q=args["q"] or "", list_args=args, bulk=bulk,
                           bulk_error=bulk_error, conflict=conflict, selected=selected), status


@bp.app_template_filter("search_marks")
def search_marks(snippet: str) -> Markup:
    """A search snippet, escaped, with the found words in <mark>."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(ticket_search.HIT_START, "<mark>").replace(ticket_search.HIT_END, "</mark>"))


def _properties_form(view, formdata=None) -> PropertiesForm:
    ticket = view.ticket
    form = PropertiesForm(formdata=formdata, data={
        "status": ticket.status, "priority": ticket.priority, "type": ticket.type,
        "assignee_id": str(ticket.assignee_id or ""), "group_id": str(ticket.group_id or ""),
        "tags": ", ".join(view.tags), "version": ticket.version})
    form.assignee_id.choices = [SelectChoice("", "Nobody")] + [
        SelectChoice(str(m.id), f"{m.display_name}{' (you)' if m.id == current_user.id else ''} · {m.presence}")
        for m in view.team]
    form.group_id.choices = [SelectChoice("", "No group")] + [SelectChoice(str(g.id), g.name) for g in view.groups]
    return form


def _page(ticket_id: int, *, reply=None, properties=None, conflict=None, status: int = 200):
    view = ticket_views.ticket_view(ticket_id)
    return render_template("tickets/show.html", view=view, reply=reply or ReplyForm(),
                           properties=properties or _properties_form(view), conflict=conflict,
                           merge=MergeLookupForm(formdata=None)), status


@bp.route("/<int:ticket_id>")
@login_required
def show(ticket_id: int):
    """One ticket: its thread, the reply box, its properties, the customer and the audit trail."""
    return _page(ticket_id)


@bp.route("/<int:ticket_id>/reply", methods=["POST"])
@login_required
def reply(ticket_id: int):
    """Add a public reply (it reaches the customer) or an internal note; what was typed stays on error."""
    form = ReplyForm()
    if not form.validate_on_submit():
        return _page(ticket_id, reply=form, status=400)
    try:
        ticket_updates.reply_as_agent(ticket_id, form.body.data, agent=current_user, internal=form.internal.data,
                                      status_after=None if form.internal.data else form.status_after.data,
                                      by=current_actor())
    except DomainError as exc:
        form.body.errors = [exc.message]
        return _page(ticket_id, reply=form, status=exc.status)
    flash("Note added." if form.internal.data else "Reply sent.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


@bp.route("/<int:ticket_id>/properties", methods=["POST"])
@login_required
def update(ticket_id: int):
    """Save the properties. Changed elsewhere since the form was loaded: 409, their changes listed,
    these values kept in the form with the new version, so saving again applies them on top."""
    view = ticket_views.ticket_view(ticket_id)
    form = _properties_form(view, formdata=request.form)
    if not form.validate_on_submit():
        return _page(ticket_id, properties=form, status=400)
    try:
        ticket_updates.update_ticket(ticket_id, form.changes(), expected_version=form.version.data, by=current_actor())
    except TicketConflictError as exc:
        form.version.raw_data, form.version.data = [str(exc.current_version)], exc.current_version
        return _page(ticket_id, properties=form, conflict=exc, status=409)
    except DomainError as exc:
        getattr(form, exc.field, form.tags).errors = [exc.message]
        return _page(ticket_id, properties=form, status=exc.status)
    flash("Ticket updated.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A ticket on a customer's behalf (a phone call, a letter): the agent writes the request."""
    form = NewTicketForm()
    if request.method == "GET":
        form.client_key.data = secrets.token_hex(12)  # a double submit makes one ticket
    if not form.validate_on_submit():
        return render_template("tickets/new.html", form=form), 400 if request.method == "POST" else 200
    try:
        ticket = tickets.create_ticket(TicketRequest(
            subject=form.subject.data, body=form.body.data, channel="agent", priority=form.priority.data,
            requester=Requester(email=form.email.data, name=form.name.data), client_key=form.client_key.data or None),
            by=current_actor(), author_agent_id=current_user.id)
    except DomainError as exc:
        getattr(form, exc.field or "subject", form.subject).errors = [exc.message]
        return render_template("tickets/new.html", form=form), exc.status
    flash(f"Ticket #{ticket.id} created.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))


@bp.route("/from-conversation/<int:conversation_id>", methods=["POST"])
@login_required
def from_conversation(conversation_id: int):
    """Turn a chat into a ticket with its transcript (once: a second time opens that ticket). The
    CSRF token is checked by CSRFProtect, as for every console form."""
    ticket = ticket_updates.ticket_from_conversation(conversation_id, agent=current_user, by=current_actor())
    flash(f"The chat is ticket #{ticket.id} now, with its transcript.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))
