"""Ticket pages: the views, one ticket (thread, reply, properties with conflict handling, the
customer's panel and the audit trail), a new ticket on a customer's behalf, a chat turned into one."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from wtforms import SelectChoice

from app.auth.access import current_actor
from app.models.base import utcnow
from app.models.ticket import TICKET_CHANNELS, TICKET_PRIORITIES
from app.services.errors import DomainError, NotFoundError
from app.services.platform import presence
from app.services.tickets import groups as ticket_groups
from app.services.tickets import intake, lists, saved_views, search, updates
from app.services.tickets.attachments import files
from app.services.tickets.intake import Requester, TicketRequest
from app.services.tickets.updates import TicketConflictError
from app.tickets.forms import (
    LABELS,
    BulkForm,
    MergeLookupForm,
    NewTicketForm,
    PropertiesForm,
    ReplyForm,
    SaveViewForm,
)
from app.uploads import accepts_files, send_attachment, uploads_from


def ticket_label(value: str | None) -> str:
    """“on_hold” → “On hold”, for statuses, priorities and types; other values (names) as they are."""
    return LABELS.get(value or "", value or "")


@login_required
def index():
    """A view's tickets (My open tickets by default), or one of the agent's saved views, narrowed
    by the filter bar, in the chosen order, 50 a page."""
    return index_page()


def _list_request():
    """(saved view or None, view, filters) the request's query string asks for."""
    if request.args.get("saved"):
        saved = saved_views.get_view(current_user.id, _number(request.args["saved"]))
        return saved, saved.base_view, saved_views.filters_of(saved)
    view = request.args.get("view", "mine")
    view = view if view in lists.VIEWS else "mine"
    return None, view, saved_views.check_filters(view, {
        "tag": request.args.get("tag"), "priority": request.args.get("priority"),
        "group_id": request.args.get("group"), "channel": request.args.get("channel"),
        "query": (request.args.get("q") or "")[:200], "sort": request.args.get("sort")})


def list_args() -> dict:
    """Which list the request is about (a saved view, or a view and its filters, and the page),
    for redirects back to it."""
    saved, view, filters = _list_request()
    return {**_list_args(view, filters, saved), "after": request.args.get("after") or None}


def index_page(*, bulk: BulkForm | None = None, bulk_error: str | None = None, conflict=None, status: int = 200):
    """The list page the query string asks for, with the bulk bar (a submitted one keeps its
    selection and choices; an error or a conflict is shown in it)."""
    saved, view, filters = _list_request()
    page = lists.list_tickets(view, current_user.id, filters=filters, after=request.args.get("after") or None,
                                     counts=current_app.config["HELPDESK_VIEW_COUNTS_MAX_AGE_S"])
    team, groups = presence.team(), ticket_groups.all_groups()
    bulk = bulk or BulkForm.with_choices(team, groups, current_user.id, formdata=None)
    selected = set(bulk.selection()) if bulk.is_submitted() and not bulk.tickets.errors else set()
    return render_template("tickets/index.html", page=page, view=view, views=lists.VIEWS, filters=filters,
                           saved=saved, saved_list=saved_views.views_of(current_user.id),
                           list_args=_list_args(view, filters, saved), sorts=lists.sorts_for(view),
                           groups=groups, channels=TICKET_CHANNELS, priorities=TICKET_PRIORITIES,
                           count_label=lists.count_label, counted_views=lists.COUNTED,
                           save_form=SaveViewForm(name=saved.name if saved else ""), bulk=bulk,
                           bulk_error=bulk_error, conflict=conflict, selected=selected), status


def _number(value: str) -> int:
    if not value.isdigit():
        raise NotFoundError("That saved view does not exist.")
    return int(value)


def _list_args(view: str, filters, saved) -> dict:
    """The query string that shows this list again (pager links keep the filters)."""
    if saved is not None:
        return {"saved": saved.id}
    found = {"view": view, "tag": filters.tag, "priority": filters.priority, "group": filters.group_id,
             "channel": filters.channel, "q": filters.query, "sort": filters.sort}
    return {key: value for key, value in found.items() if value is not None}


@login_required
def counts():
    """The views' counts for the list's tabs (fetched by its script, so a page never waits for them)."""
    found = lists.view_counts(current_user.id)
    return jsonify({view: lists.count_label(n) for view, n in found.items()})


def business_time(minutes: int) -> str:
    """Business minutes as “45 min”, “3 h 20 min”, “26 h” (hours, not days: a business day varies)."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"


def time_ago(moment) -> str:
    """How long ago, on the wall clock: “5 min ago”, “3 h ago”, “6 d ago”."""
    minutes = max(0, int((utcnow() - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago" if minutes < 48 * 60 else f"{minutes // 1440} d ago"


def search_marks(snippet: str) -> Markup:
    """A search snippet, escaped, with the found words in <mark>."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(search.HIT_START, "<mark>").replace(search.HIT_END, "</mark>"))


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
    view = lists.ticket_view(ticket_id)
    return render_template("tickets/show.html", view=view, reply=reply or ReplyForm(),
                           properties=properties or _properties_form(view), conflict=conflict,
                           merge=MergeLookupForm(formdata=None)), status


@login_required
def show(ticket_id: int):
    """One ticket: its thread, the reply box, its properties, the customer and the audit trail."""
    return _page(ticket_id)


@login_required
@accepts_files
def reply(ticket_id: int):
    """Add a public reply (it reaches the customer) or an internal note, with files; on error
    nothing is saved and what was typed stays (the files must be chosen again)."""
    form = ReplyForm()
    if not form.validate_on_submit():
        return _page(ticket_id, reply=form, status=400)
    try:
        updates.reply_as_agent(ticket_id, form.body.data, agent=current_user, internal=form.internal.data,
                                      status_after=None if form.internal.data else form.status_after.data,
                                      by=current_actor(), uploads=uploads_from(form.attachments))
    except DomainError as exc:
        getattr(form, exc.field or "body", form.body).errors = [exc.message]
        return _page(ticket_id, reply=form, status=exc.status)
    flash("Note added." if form.internal.data else "Reply sent.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


@login_required
def attachment(ticket_id: int, attachment_id: int):
    """A file in the ticket's thread (notes' included) as a download; 404 when it is not this ticket's."""
    return send_attachment(files.agent_download(ticket_id, attachment_id))


@login_required
def update(ticket_id: int):
    """Save the properties. Changed elsewhere since the form was loaded: 409, their changes listed,
    these values kept in the form with the new version, so saving again applies them on top."""
    view = lists.ticket_view(ticket_id)
    form = _properties_form(view, formdata=request.form)
    if not form.validate_on_submit():
        return _page(ticket_id, properties=form, status=400)
    try:
        updates.update_ticket(ticket_id, form.changes(), expected_version=form.version.data, by=current_actor())
    except TicketConflictError as exc:
        form.version.raw_data, form.version.data = [str(exc.current_version)], exc.current_version
        return _page(ticket_id, properties=form, conflict=exc, status=409)
    except DomainError as exc:
        getattr(form, exc.field, form.tags).errors = [exc.message]
        return _page(ticket_id, properties=form, status=exc.status)
    flash("Ticket updated.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


@login_required
def new():
    """A ticket on a customer's behalf (a phone call, a letter): the agent writes the request."""
    form = NewTicketForm()
    if request.method == "GET":
        form.client_key.data = secrets.token_hex(12)  # a double submit makes one ticket
    if not form.validate_on_submit():
        return render_template("tickets/new.html", form=form), 400 if request.method == "POST" else 200
    try:
        ticket = intake.create_ticket(TicketRequest(
            subject=form.subject.data, body=form.body.data, channel="agent", priority=form.priority.data,
            requester=Requester(email=form.email.data, name=form.name.data), client_key=form.client_key.data or None),
            by=current_actor(), author_agent_id=current_user.id)
    except DomainError as exc:
        getattr(form, exc.field or "subject", form.subject).errors = [exc.message]
        return render_template("tickets/new.html", form=form), exc.status
    flash(f"Ticket #{ticket.id} created.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))


@login_required
def from_conversation(conversation_id: int):
    """Turn a chat into a ticket with its transcript (once: a second time opens that ticket). The
    CSRF token is checked by CSRFProtect, as for every console form."""
    ticket = updates.ticket_from_conversation(conversation_id, agent=current_user, by=current_actor())
    flash(f"The chat is ticket #{ticket.id} now, with its transcript.", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id))


def register(bp: Blueprint) -> None:
    """Add the ticket pages to the tickets blueprint, and the ticket filters to every template."""
    bp.add_app_template_filter(ticket_label, "ticket_label")
    bp.add_app_template_filter(business_time, "business_time")
    bp.add_app_template_filter(time_ago, "time_ago")
    bp.add_app_template_filter(search_marks, "search_marks")
    bp.add_url_rule("", view_func=index)
    bp.add_url_rule("/counts", view_func=counts)
    bp.add_url_rule("/<int:ticket_id>", view_func=show)
    bp.add_url_rule("/<int:ticket_id>/reply", view_func=reply, methods=["POST"])
    bp.add_url_rule("/<int:ticket_id>/attachments/<int:attachment_id>", view_func=attachment)
    bp.add_url_rule("/<int:ticket_id>/properties", view_func=update, methods=["POST"])
    bp.add_url_rule("/new", view_func=new, methods=["GET", "POST"])
    bp.add_url_rule("/from-conversation/<int:conversation_id>", view_func=from_conversation, methods=["POST"])
