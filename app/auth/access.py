"""Access decorators for console views and the actor for services."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from app.services.platform.audit import Actor


def admin_required(view):
    """Signed-in admins only; other agents get 403."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def current_actor() -> Actor:
    """The signed-in agent as an audit actor, with the client address."""
    return Actor.agent(current_user, request.remote_addr)
