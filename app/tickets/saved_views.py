"""The ticket list's saved views: save the current filters under a name, delete one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.services.errors import DomainError
from app.services.tickets import saved_views
from app.tickets.forms import SaveViewForm


@login_required
def save_view():
    """Save the filters the list was showing (hidden fields) under the typed name; a name that
    exists already gets these filters instead. Back to the list, showing the saved view."""
    form = SaveViewForm()
    view = request.form.get("view", "")
    back = url_for("tickets.index", view=view if view else None)
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(back)
    try:
        filters = saved_views.check_filters(view, {
            "tag": request.form.get("tag"), "priority": request.form.get("priority"),
            "group_id": request.form.get("group"), "channel": request.form.get("channel"),
            "query": request.form.get("q"), "sort": request.form.get("sort")})
        saved = saved_views.save_view(current_user.id, form.name.data, view, filters)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(back)
    flash(f"Saved the view “{saved.name}”.", "success")
    return redirect(url_for("tickets.index", saved=saved.id))


@login_required
def delete_view(view_id: int):
    """Delete one of the agent's saved views (another agent's: nothing happens; CSRF is checked
    for every POST by the app's CSRFProtect)."""
    saved_views.delete_view(current_user.id, view_id)
    flash("Saved view deleted.", "success")
    return redirect(url_for("tickets.index"))


def register(bp: Blueprint) -> None:
    """Add saving and deleting a saved view to the tickets blueprint."""
    bp.add_url_rule("/saved-views", view_func=save_view, methods=["POST"])
    bp.add_url_rule("/saved-views/<int:view_id>/delete", view_func=delete_view, methods=["POST"])
