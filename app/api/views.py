"""API endpoints that belong to no other capability."""

from flask import current_app, g
from flask_smorest import Blueprint

from app.api.auth import api_key_rate_key, require_api_key
from app.api.schemas import WhoAmISchema
from app.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Shop server API (Bearer key).")
bp.before_request(require_api_key)
limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_API"], key_func=api_key_rate_key)(bp)


@bp.route("/whoami")
@bp.response(200, WhoAmISchema)
def whoami():
    """The API key this request was made with: a cheap way to test an integration."""
    return {"key": g.api_key}
