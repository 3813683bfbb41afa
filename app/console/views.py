"""Console pages: overview, settings (agents, API keys, audit log) and the agent's own account."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth import current_session_token
from app.auth.access import admin_required, current_actor
from app.console.forms import ActionForm, ApiKeyForm, ChangePasswordForm, NewAgentForm, RoleForm
from app.console.navigation import SETTINGS, sections_for
from app.services.access import agents as agents_service
from app.services.access import api_keys as api_keys_service
from app.services.access import widget_identity
from app.services.errors import DomainError
from app.services.platform import audit as audit_service


@login_required
def home():
    """The landing page: what this helpdesk can do today and the first steps for an admin."""
    return render_template("console/home.html")


@login_required
def account():
    """The agent's own account: change password (signs out the other sessions)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            agents_service.change_password(
                current_user.id, form.current_password.data, form.password.data,
                keep_token=current_session_token(),
            )
        except DomainError as exc:
            form.current_password.errors.append(exc.message)
        else:
            flash("Password changed. Your other sessions are signed out.", "success")
            return redirect(url_for("console.account"))
    return render_template("console/account.html", form=form), 400 if form.errors else 200


def _agents_page(form: NewAgentForm, *, invitation=None, status: int = 200):
    return render_template(
        "console/settings/agents.html",
        agents=agents_service.list_agents(),
        form=form,
        action_form=ActionForm(),
        role_form=RoleForm(),
        invitation=invitation,
    ), status


@admin_required
def agents():
    """Settings › Agents: the team, with invite, roles and deactivation."""
    return _agents_page(NewAgentForm())


@admin_required
def create_agent():
    """Create an agent with a password, or invite one (the link is shown once, on this page)."""
    form = NewAgentForm()
    if not form.validate_on_submit():
        return _agents_page(form, status=400)
    data = form.data
    try:
        if data["mode"] == "password":
            if not data["password"]:
                raise DomainError("Enter a password, or choose to send an invitation.", field="password")
            agent = agents_service.create_agent(
                data["email"], data["display_name"], data["role"], data["password"], by=current_actor()
            )
            flash(f"{agent.display_name} can sign in now.", "success")
            return redirect(url_for("console.agents"))
        invitation = agents_service.invite_agent(
            data["email"], data["display_name"], data["role"], by=current_actor()
        )
    except DomainError as exc:
        getattr(form, exc.field or "email").errors.append(exc.message)
        return _agents_page(form, status=exc.status if exc.status != 401 else 400)
    return _agents_page(NewAgentForm(formdata=None), invitation=invitation, status=201)


@admin_required
def agent_action(agent_id: int, action: str):
    """Deactivate, reactivate, change the role of or re-invite one agent."""
    form = RoleForm() if action == "role" else ActionForm()
    if not form.validate_on_submit():
        flash("That form expired. Please try again.", "error")
        return redirect(url_for("console.agents"))
    try:
        if action == "reinvite":
            invitation = agents_service.reissue_invite(agent_id, by=current_actor())
            return _agents_page(NewAgentForm(formdata=None), invitation=invitation, status=201)
        if action == "role":
            agent = agents_service.change_role(agent_id, form.role.data, by=current_actor())
        else:
            use_case = getattr(agents_service, f"{action}_agent")
            agent = use_case(agent_id, by=current_actor())
        flash(f"{agent.display_name}: {_DONE[action]}.", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("console.agents"))


_DONE = {"deactivate": "deactivated", "reactivate": "reactivated", "role": "role updated"}


def _keys_page(form: ApiKeyForm, *, new_key=None, status: int = 200):
    return render_template(
        "console/settings/api_keys.html",
        keys=api_keys_service.list_api_keys(),
        form=form,
        action_form=ActionForm(),
        new_key=new_key,
    ), status


@admin_required
def api_keys():
    """Settings › API keys."""
    return _keys_page(ApiKeyForm())


@admin_required
def create_api_key():
    """Create a key; its secret is shown on this response only, never stored or flashed."""
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _keys_page(form, status=400)
    try:
        new_key = api_keys_service.create_api_key(form.name.data, by=current_actor())
    except DomainError as exc:
        form.name.errors.append(exc.message)
        return _keys_page(form, status=400)
    return _keys_page(ApiKeyForm(formdata=None), new_key=new_key, status=201)


@admin_required
def revoke_api_key(key_id: int):
    """Revoke a key at once."""
    if ActionForm().validate_on_submit():
        try:
            key = api_keys_service.revoke_api_key(key_id, by=current_actor())
            flash(f"Key \u201c{key.name}\u201d revoked.", "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("console.api_keys"))


@admin_required
def audit_log():
    """Settings › Audit log: the latest security and admin events."""
    limit = min(max(request.args.get("limit", 100, type=int), 1), 500)
    return render_template("console/settings/audit_log.html", events=audit_service.recent_events(limit))


@admin_required
def widget_settings():
    """Settings › Widget: the embed snippet, the allowed shop origins and the identity secret."""
    return render_template(
        "console/settings/widget.html", identity=widget_identity.identity_secret(),
        origins=current_app.config["HELPDESK_ALLOWED_ORIGINS"], action_form=ActionForm(),
    )


@admin_required
def rotate_identity_secret():
    """A new identity secret; the previous one keeps working for a day while shops redeploy."""
    if ActionForm().validate_on_submit():
        try:
            until = widget_identity.rotate_secret(by=current_actor()).previous_valid_until
            grace = f" The previous one keeps working until {until:%d %b %Y %H:%M} UTC." if until else ""
            flash(f"New identity secret created.{grace}", "success")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(url_for("console.widget_settings"))


def _navigation():
    """The console shell's navigation, for every feature blueprint that renders inside it."""
    if not current_user.is_authenticated:
        return {"console_sections": []}
    return {"console_sections": sections_for(current_user), "settings_tabs": SETTINGS}


def register(bp: Blueprint) -> None:
    """Add the shell, the account and the team and widget settings to the console blueprint, and the
    console's navigation to every template (feature blueprints render inside the shell too)."""
    bp.app_context_processor(_navigation)
    bp.add_url_rule("/", view_func=home)
    bp.add_url_rule("/account", view_func=account, methods=["GET", "POST"])
    bp.add_url_rule("/settings/agents", view_func=agents, methods=["GET"])
    bp.add_url_rule("/settings/agents", view_func=create_agent, methods=["POST"])
    bp.add_url_rule("/settings/agents/<int:agent_id>/<any(deactivate, reactivate, role, reinvite):action>",
                    view_func=agent_action, methods=["POST"])
    bp.add_url_rule("/settings/api-keys", view_func=api_keys, methods=["GET"])
    bp.add_url_rule("/settings/api-keys", view_func=create_api_key, methods=["POST"])
    bp.add_url_rule("/settings/api-keys/<int:key_id>/revoke", view_func=revoke_api_key, methods=["POST"])
    bp.add_url_rule("/settings/audit-log", view_func=audit_log)
    bp.add_url_rule("/settings/widget", view_func=widget_settings)
    bp.add_url_rule("/settings/widget/rotate-secret", view_func=rotate_identity_secret, methods=["POST"])
