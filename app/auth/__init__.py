"""Agent sign-in, sign-out and invitations; the Flask-Login wiring."""

from flask import Blueprint, Flask, session
from flask_login import LoginManager

from app.auth import views
from app.services.access import auth as auth_service

bp = Blueprint("auth", __name__, url_prefix="/console")
views.register(bp)

SESSION_KEY = "agent_session"


def current_session_token() -> str | None:
    """The raw session token from the signed cookie, if any."""
    return session.get(SESSION_KEY)


def _load_agent(_user_id: str):
    # The user id in the cookie is not trusted alone: the server-side session row decides.
    return auth_service.agent_for_session(current_session_token())


def init_login(app: Flask, login_manager: LoginManager) -> None:
    """Bind Flask-Login: the loader checks the server-side session on every request."""
    login_manager.init_app(app)
    login_manager.user_loader(_load_agent)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session is our protection


__all__ = ["bp", "SESSION_KEY", "current_session_token", "init_login"]
