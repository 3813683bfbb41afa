"""The webhook endpoints: hand the raw body and headers to the stores' receiver, erase what a
store's privacy request names, answer with the receiver's status."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.extensions import limiter
from app.services import customer_privacy
from app.services.stores import connections, webhooks


def _failed(response) -> bool:
    return response.status_code >= 400


# Only refusals count against a client address: a platform's burst of good deliveries (a sale, a
# bulk edit) is never answered 429, which would make WooCommerce disable the webhook, while a flood
# of forged or unknown-shop requests, each of which reads the database and is counted, is cut off.
@limiter.limit(lambda: current_app.config["HELPDESK_LIMIT_STORE_WEBHOOK_FAILURES"], deduct_when=_failed)
def receive(platform: str):
    """One delivery. The body is read raw: the signature covers its exact bytes."""
    result = webhooks.receive(platform, request.get_data(cache=False), request.headers, request.mimetype)
    if result.erase:
        actor = webhooks.store_actor(connections.get(result.connection_id))
        for customer_id in result.erase:
            customer_privacy.erase_customer(customer_id, by=actor)
    return jsonify(result.body), result.status


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/<any(shopify, woocommerce):platform>", view_func=receive, methods=["POST"])
