"""Public help-center pages."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("help_center", __name__, url_prefix="/help")


@bp.route("/")
def index():
    """The help center's front page."""
    return render_template("help_center/index.html", shop_name=current_app.config["HELPDESK_SHOP_NAME"])
