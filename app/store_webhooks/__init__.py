"""POST /webhooks/shopify and /webhooks/woocommerce: the stores' own webhooks, taken as the
platforms send them (signed with the store's secret, not with an API key)."""

from flask import Blueprint

from app.extensions import csrf
from app.store_webhooks import views

bp = Blueprint("store_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # signed by the store: no session, no form
views.register(bp)

__all__ = ["bp"]
