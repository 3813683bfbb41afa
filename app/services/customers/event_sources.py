"""Which event sources speak for the shop (ingest_events(..., source=…)).

The shop's server (the events API with its key), the demo's seeding and the helpdesk's own survey
facts speak for the shop: their word decides whose an order is (orders.py) and which email is a
customer's (customers/emails.py). Anything else, the pages' "browser" above all, only claims. An
allow-list, so that a new source is untrusted until someone decides otherwise.
"""

from __future__ import annotations

# The store connectors (app/services/stores/) speak for the shop: their webhooks are signed with the
# store's secret and their backfill reads the store's own API.
SERVER_SOURCES = frozenset({"api", "demo", "survey", "shopify", "woocommerce"})


def speaks_for_shop(source: str | None) -> bool:
    """True for a source whose events are the shop's word, not a shopper's claim."""
    return source in SERVER_SOURCES
