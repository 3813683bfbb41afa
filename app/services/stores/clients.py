"""The store's own API, for a connection: the client for its platform with its decrypted
credentials, and "Check connection" (one cheap call that proves the address and credentials)."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.models import StoreConnection
from app.models.base import utcnow
from app.services.errors import DomainError
from app.services.stores import connections
from app.services.stores.api_client import StoreApiError
from app.services.stores.connections import Secrets
from app.services.stores.shopify_api import ShopifyApi
from app.services.stores.woocommerce_api import WooCommerceApi


def require_api_access(connection: StoreConnection) -> Secrets:
    """The connection's secrets, when they include what the platform's API needs; DomainError, in
    the admin's words, when they do not (webhooks work without them; the import, the check and
    order actions do not)."""
    secrets = connections.secrets(connection)
    if connection.platform == "shopify" and not secrets.access_token:
        raise DomainError("Add the custom app's Admin API access token to reach the store's API.",
                          field="access_token")
    if connection.platform != "shopify" and not (secrets.consumer_key and secrets.consumer_secret):
        raise DomainError("Add the REST API consumer key and secret to reach the store's API.",
                          field="consumer_key")
    return secrets


def client_for(connection: StoreConnection):
    """The platform's API client for this connection (use it in a `with` block: it holds a
    session). DomainError when the credentials it needs were not given."""
    secrets = require_api_access(connection)
    if connection.platform == "shopify":
        return ShopifyApi(connection.shop, secrets.access_token, api_url=connection.api_url,
                          max_attempts=current_app.config["HELPDESK_STORE_API_ATTEMPTS"])
    return WooCommerceApi(connection.shop, secrets.consumer_key, secrets.consumer_secret, api_url=connection.api_url,
                          max_attempts=current_app.config["HELPDESK_STORE_API_ATTEMPTS"])


def check(connection_id: int) -> dict:
    """Call the store's API once and keep the answer on the connection (Settings › Store shows it):
    {"ok", "at", "message"}. Commits. Never raises for the store's own failures: they are the answer."""
    connection = connections.get(connection_id)
    try:
        with client_for(connection) as api:
            shop = api.check()
    except (StoreApiError, DomainError) as exc:
        result = {"ok": False, "message": exc.message}
    else:
        name = shop.get("name") or connection.shop
        result = {"ok": True, "message": f"Connected to {name}" + (f" ({shop['currency']})" if shop.get("currency")
                                                                    else "") + "."}
    connection.last_check = result | {"at": utcnow().isoformat()}
    db.session.commit()
    return connection.last_check
