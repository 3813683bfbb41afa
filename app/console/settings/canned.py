"""Canned responses in the console: Settings › Canned responses (the team's, for admins) and My canned
responses (every agent's own). Registered on the console blueprint by `register(bp)` in
app/console/__init__.py. Both scopes share the page helpers below; the URL decides the scope."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.auth.access import admin_required, current_actor
from app.console.forms import ActionForm, CannedResponseForm
from app.services.customers.placeholders import PLACEHOLDERS
from app.services.errors import DomainError, NotFoundError, StaleEditError
from app.services.knowledge import canned_responses as canned

TEMPLATES = {"team": "console/settings/canned_responses.html", "own": "console/canned_responses.html"}


def _owner_id(scope: str) -> int | None:
    return canned.TEAM if scope == "team" else current_user.id


def _list_url(scope: str) -> str:
    return url_for(f"console.{scope}_canned_responses")


def _page(scope: str, form: CannedResponseForm, *, editing=None, status: int = 200):
    return render_template(
        TEMPLATES[scope], scope=scope, responses=canned.list_responses(_owner_id(scope)), form=form,
        editing=editing, placeholders=PLACEHOLDERS, action_form=ActionForm(),
    ), status


def _refused(scope: str, form: CannedResponseForm, exc: DomainError, *, editing=None):
    """The form again with the typed text and the service's message next to its field."""
    if isinstance(exc, StaleEditError):
        editing = canned.get_response(editing.id, owner_id=_owner_id(scope))
        form.version.data = str(editing.version)  # saving again now replaces the colleague's version
    if exc.field in ("title", "shortcut", "body"):
        form[exc.field].errors.append(exc.message)
    else:
        form.form_errors.append(exc.message)
    return _page(scope, form, editing=editing, status=exc.status)


def _saved(scope: str, response, verb: str):
    flash(f"\u201c{response.title}\u201d {verb}. Type /{response.shortcut} in an empty reply to use it.", "success")
    return redirect(_list_url(scope))


def _show(scope: str, response_id: int | None = None):
    if response_id is None:
        return _page(scope, CannedResponseForm())
    response = canned.get_response(response_id, owner_id=_owner_id(scope))
    return _page(scope, CannedResponseForm(obj=response, version=str(response.version)), editing=response)


def _create(scope: str):
    form = CannedResponseForm()
    if not form.validate_on_submit():
        return _page(scope, form, status=400)
    try:
        response = canned.create_response(form.draft(), owner_id=_owner_id(scope), by=current_actor())
    except DomainError as exc:
        return _refused(scope, form, exc)
    return _saved(scope, response, "saved")


def _update(scope: str, response_id: int):
    editing = canned.get_response(response_id, owner_id=_owner_id(scope))
    form = CannedResponseForm()
    if not form.validate_on_submit():
        return _page(scope, form, editing=editing, status=400)
    try:
        response = canned.update_response(response_id, form.draft(), owner_id=_owner_id(scope), by=current_actor(),
                                          version=form.opened_version())
    except DomainError as exc:
        return _refused(scope, form, exc, editing=editing)
    return _saved(scope, response, "updated")


def _delete(scope: str, response_id: int):
    if ActionForm().validate_on_submit():
        try:
            title = canned.delete_response(response_id, owner_id=_owner_id(scope), by=current_actor())
            flash(f"\u201c{title}\u201d deleted.", "success")
        except NotFoundError:  # a second click, or an id that is not this scope's: nothing to do
            flash("That response does not exist any more.", "info")
    return redirect(_list_url(scope))


@admin_required
def team_canned_responses():
    """Settings › Canned responses: the team's responses and the New response form."""
    return _show("team")


@admin_required
def team_canned_create():
    """Add a team response (audit-logged)."""
    return _create("team")


@admin_required
def team_canned_edit(response_id: int):
    """The team's responses with this one's edit form."""
    return _show("team", response_id)


@admin_required
def team_canned_update(response_id: int):
    """Save a team response (audit-logged); a colleague's newer save is not overwritten unseen."""
    return _update("team", response_id)


@admin_required
def team_canned_delete(response_id: int):
    """Delete a team response (audit-logged)."""
    return _delete("team", response_id)


@login_required
def own_canned_responses():
    """My canned responses: the signed-in agent's own, which only they see and use."""
    return _show("own")


@login_required
def own_canned_create():
    """Add one of the agent's own responses."""
    return _create("own")


@login_required
def own_canned_edit(response_id: int):
    """The agent's responses with this one's edit form; another agent's response is a 404."""
    return _show("own", response_id)


@login_required
def own_canned_update(response_id: int):
    """Save one of the agent's own responses."""
    return _update("own", response_id)


@login_required
def own_canned_delete(response_id: int):
    """Delete one of the agent's own responses."""
    return _delete("own", response_id)


def register(bp: Blueprint) -> None:
    """Add the team's (Settings) and the agent's own (Account) canned responses to the console blueprint."""
    bp.add_url_rule("/settings/canned-responses", view_func=team_canned_responses, methods=["GET"])
    bp.add_url_rule("/settings/canned-responses", view_func=team_canned_create, methods=["POST"])
    bp.add_url_rule("/settings/canned-responses/<int:response_id>", view_func=team_canned_edit, methods=["GET"])
    bp.add_url_rule("/settings/canned-responses/<int:response_id>", view_func=team_canned_update, methods=["POST"])
    bp.add_url_rule("/settings/canned-responses/<int:response_id>/delete", view_func=team_canned_delete,
                    methods=["POST"])
    bp.add_url_rule("/account/canned-responses", view_func=own_canned_responses, methods=["GET"])
    bp.add_url_rule("/account/canned-responses", view_func=own_canned_create, methods=["POST"])
    bp.add_url_rule("/account/canned-responses/<int:response_id>", view_func=own_canned_edit, methods=["GET"])
    bp.add_url_rule("/account/canned-responses/<int:response_id>", view_func=own_canned_update, methods=["POST"])
    bp.add_url_rule("/account/canned-responses/<int:response_id>/delete", view_func=own_canned_delete,
                    methods=["POST"])
