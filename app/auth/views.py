"""Console sign-in, sign-out and accepting an invitation."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.auth.forms import LoginForm, NewPasswordForm
from app.extensions import limiter
from app.safe_redirect import safe_target
from app.services.access import agents as agents_service
from app.services.access import auth as auth_service
from app.services.errors import DomainError, InvalidCredentialsError


def _login_email_key() -> str:
    return "login-email:" + auth_service.normalise_email(request.form.get("email", ""))[:254]


def _start_session(agent, token: str) -> None:
    session.clear()  # a new session at sign-in: nothing from before carries over (fixation)
    session["agent_session"] = token
    session.permanent = True
    login_user(agent)


@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_LOGIN_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["HELPDESK_LIMIT_LOGIN_EMAIL"], methods=["POST"], key_func=_login_email_key
)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("console.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = auth_service.sign_in(
                form.email.data,
                form.password.data,
                ip_address=request.remote_addr,
                user_agent=request.user_agent.string,
            )
        except InvalidCredentialsError as exc:
            form.form_errors.append(exc.message)
            status = 401
        else:
            _start_session(result.agent, result.token)
            return redirect(safe_target(request.args.get("next"), url_for("console.home")))
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


def logout():
    """Sign out: the server-side session is revoked, not just the cookie dropped."""
    auth_service.sign_out(session.get("agent_session"))
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_INVITE"], methods=["POST"])
def accept_invite(token: str):
    """An invited agent chooses a password, then signs in."""
    try:
        invite = agents_service.pending_invite(token)
    except DomainError as exc:
        return render_template("auth/invite_invalid.html", message=exc.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            agents_service.accept_invite(token, form.password.data)
        except DomainError as exc:
            form.password.errors.append(exc.message)
        else:
            flash("Your password is set. Sign in to start.", "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/accept_invite.html", form=form, invite=invite), status


def register(bp: Blueprint) -> None:
    """Add sign-in, sign-out and the invitation page to the auth blueprint."""
    bp.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/invite/<token>", view_func=accept_invite, methods=["GET", "POST"])
