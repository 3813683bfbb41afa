"""What every store platform's REST client shares: the error a shop owner can read, and a page of a
collection. Each platform's client (woocommerce_api.py, the Shopify client) raises and returns these,
so the connection service handles every platform's failures and paging the same way."""

from __future__ import annotations

from dataclasses import dataclass


class StoreApiError(Exception):
    """A call to a store's API failed. `message` is in plain words for the shop owner ("WooCommerce
    refused the keys: check the consumer key and secret"); `status` is the HTTP status, or None when
    the store never answered; `retryable` says whether asking again later may succeed without anyone
    changing anything (a timeout, a rate limit), as opposed to a fault someone must fix (wrong keys)
    or a write whose outcome is unknown (it must be checked in the store, not repeated)."""

    def __init__(self, message: str, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class Page:
    """One page of a collection. `next` is what asks for the following page (a page number or a
    cursor, by platform), or None when this page is the last."""

    items: list[dict]
    next: str | int | None
