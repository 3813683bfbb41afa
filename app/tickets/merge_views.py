"""A ticket's "Merge into…": pick the other ticket (a GET to the review), review both subjects and
requesters, then confirm (a CSRF-checked POST). Registered on the tickets blueprint by
`register(bp)` in app/tickets/__init__.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.auth.access import current_actor
from app.services.errors import DomainError
from app.services.tickets import intake, merge
from app.services.tickets.merge import DifferentRequestersError
from app.tickets.forms import MergeForm, MergeLookupForm


def _review(ticket_id: int, lookup: MergeLookupForm, *, confirm: MergeForm | None = None, status: int = 200):
    """The review page: the plan for lookup.into when it is a valid target, else the lookup's error."""
    plan = None
    if lookup.into.data is not None and not lookup.into.errors:
        try:
            plan = merge.merge_plan(ticket_id, lookup.into.data)
        except DomainError as exc:
            lookup.into.errors = [exc.message]
            status = max(status, exc.status)
    confirm = confirm or MergeForm(formdata=None, data={"into": plan.target.id if plan else None})
    return render_template("tickets/merge.html", ticket=intake.get_ticket(ticket_id), lookup=lookup, plan=plan,
                           confirm=confirm), status


@login_required
def merge_review(ticket_id: int):
    """GET ?into=N: both tickets side by side and what merging does, with the button to confirm;
    400/404/409 with the reason when N cannot be merged into (itself, unknown, closed or merged)."""
    intake.get_ticket(ticket_id)  # 404 for an unknown source
    lookup = MergeLookupForm(formdata=request.args)
    if not lookup.validate():
        return _review(ticket_id, lookup, status=400)
    return _review(ticket_id, lookup)


@login_required
def merge_ticket(ticket_id: int):
    """POST (the review's confirmation): merge this ticket into `into`, then open that ticket. A
    refusal shows the review again with the reason (different requesters: 409 until confirmed)."""
    form = MergeForm()
    lookup = MergeLookupForm(formdata=None, data={"into": form.into.data})
    if not form.validate_on_submit():
        return _review(ticket_id, lookup, confirm=form, status=400)
    try:
        target = merge.merge_tickets(ticket_id, form.into.data, by=current_actor(),
                                            different_requesters_ok=form.different_requesters_ok.data)
    except DifferentRequestersError as exc:
        form.different_requesters_ok.errors = [exc.message]
        return _review(ticket_id, lookup, confirm=form, status=exc.status)
    except DomainError as exc:
        lookup.into.errors = [exc.message]
        return _review(ticket_id, lookup, confirm=form, status=exc.status)
    flash(f"Merged #{ticket_id} into #{target.id}.", "success")
    return redirect(url_for("tickets.show", ticket_id=target.id))


def register(bp: Blueprint) -> None:
    """Add the merge endpoints to the tickets blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/<int:ticket_id>/merge", view_func=merge_review, methods=["GET"])
    bp.add_url_rule("/<int:ticket_id>/merge", view_func=merge_ticket, methods=["POST"])
