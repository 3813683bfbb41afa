"""The ticket list's bulk update: one POST from the list's bulk bar (a plain form: it works without
JavaScript), then back to the same list with what happened. Registered on the tickets blueprint by
`register(bp)` in app/tickets/__init__.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from app.auth.access import current_actor
from app.services.errors import DomainError
from app.services.platform import presence
from app.services.tickets import bulk, groups
from app.services.tickets.bulk import BulkConflictError, BulkResult
from app.tickets.forms import BulkForm
from app.tickets.views import index_page, list_args


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: BulkResult) -> str:
    """“12 tickets updated.”, and what was left alone and why."""
    parts = [f"{_plural(len(result.updated), 'ticket')} updated."]
    if result.unchanged:
        parts.append(f"{_plural(len(result.unchanged), 'ticket')} had these values already.")
    if result.merged:
        ids = ", ".join(f"#{n}" for n in result.merged)
        parts.append(f"Merged tickets are left as they were ({ids}).")
    return " ".join(parts)


@login_required
def bulk_update():
    """POST from the list: apply the chosen changes to the selected tickets (all or nothing), then
    back to the same list with a flash. Errors re-render the list with the selection kept: 400 for
    bad input, 404 for unknown tickets, 409 (their changes listed) when a field being set changed
    since the list was loaded; applying again then goes on top (the rows carry the new versions)."""
    form = BulkForm.with_choices(presence.team(), groups.all_groups(), current_user.id)
    if not form.validate_on_submit():
        return index_page(bulk=form, bulk_error="Check the bulk update's fields below.", status=400)
    selection = form.selection()
    try:
        result = bulk.bulk_update(list(selection), form.changes(), by=current_actor(),
                                         expected_versions=selection)
    except BulkConflictError as exc:
        return index_page(bulk=form, conflict=exc, status=409)
    except DomainError as exc:
        return index_page(bulk=form, bulk_error=exc.message, status=exc.status)
    flash(summary(result), "success")
    return redirect(url_for("tickets.index", **list_args()))


def register(bp: Blueprint) -> None:
    """Add the bulk endpoint to the tickets blueprint (called before the blueprint is registered)."""
    bp.add_url_rule("/bulk", view_func=bulk_update, methods=["POST"])
