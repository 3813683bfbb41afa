"""API endpoints that belong to no other capability."""

from flask import g

from app.api.auth import protect
from app.api.blueprint import Blueprint
from app.api.schemas import WhoAmISchema

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Shop server API (Bearer key).")
protect(bp)


@bp.route("/whoami")
@bp.response(200, WhoAmISchema)
def whoami():
    """The API key this request was made with: a cheap way to test an integration."""
    return {"key": g.api_key}
