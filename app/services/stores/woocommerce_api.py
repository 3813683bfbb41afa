"""WooCommerce's REST API (v3) for a store connection: prove the keys work, read the order and
customer history page by page, and act on an order for an agent (refund, cancel, resend its details).

Authentication is HTTP basic with the consumer key and secret, which WooCommerce accepts over HTTPS.
Reads are retried on a rate limit (429, honouring Retry-After), a server error (5xx) or a failed
connection, with growing waits, up to `max_attempts`; a write is sent once, because WooCommerce has
no idempotency keys and a refund sent twice is refunded twice. Every failure is a StoreApiError whose
message a shop owner can act on. Redirects are not followed: requests turns a redirected POST into a
GET, which would make a refund look done when nothing was refunded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from app.services.stores.api_client import Page, StoreApiError
from app.services.stores.woocommerce import normalise_site_url

API_PATH = "/wp-json/wc/v3"
MAX_PER_PAGE = 100  # WooCommerce refuses more
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0  # seconds
MAX_RETRY_AFTER = 60.0  # a store asking for a longer pause fails the call (retryable) rather than block a worker
REFUND_KEY = "helpdesk_idempotency_key"  # refund meta: finds a refund whose answer was lost
# A write WooCommerce answers 5xx with one of these was refused, not half-done: wc_create_refund
# deletes the refund it started when the gateway refuses, and returns this error.
REFUSED_WRITES = frozenset({"woocommerce_rest_cannot_create_order_refund"})
CONFIRMATION_NOTE = "As you asked, here is a copy of your order details."


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header's wait in seconds: delay-seconds or an HTTP date; None when absent or
    unreadable."""
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _said(response: requests.Response) -> tuple[str, str]:
    """WooCommerce's own error code and message from a WP_Error body, or ("", "")."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("code") or ""), str(body.get("message") or "").strip()


class WooCommerceApi:
    """One store's REST API. Use as a context manager (or call close()) to release connections."""

    def __init__(self, site_url: str, consumer_key: str, consumer_secret: str, api_url: str | None = None, *,
                 session: requests.Session | None = None, timeout: float = 10.0, max_attempts: int = 5,
                 sleep: Callable[[float], None] = time.sleep):
        self.site_url = normalise_site_url(site_url)
        self.base_url = (api_url or self.site_url + API_PATH).rstrip("/")
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the environment: the shop's keys go only to the shop
        self.session.auth = (consumer_key, consumer_secret)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "helpdesk-store-connector"})
        self.timeout, self.max_attempts, self.sleep = timeout, max(1, max_attempts), sleep

    def __enter__(self) -> WooCommerceApi:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # --- reads ---------------------------------------------------------------------------------

    def check(self) -> dict:
        """Prove the keys work: the cheapest documented call that needs them and reads what the
        connection reads (one order, two fields). Returns the store's url, its order count and the
        currency of its latest order (None with no orders). WooCommerce has no authenticated
        endpoint for the store's name short of the heavy /system_status."""
        response = self._call("GET", "/orders", params={"per_page": 1, "_fields": "id,currency"})
        orders = self._json(response)
        currency = orders[0].get("currency") if isinstance(orders, list) and orders else None
        return {"url": self.site_url, "orders": _int(response.headers.get("X-WP-Total")), "currency": currency}

    def orders_page(self, since: datetime, page: int, per_page: int = MAX_PER_PAGE) -> Page:
        """Orders created after `since`, oldest first; `next` is the following page number."""
        params = {"after": _gmt(since), "dates_are_gmt": "true", "orderby": "date", "order": "asc",
                  "page": page, "per_page": _per_page(per_page)}
        return self._page("/orders", params, page)

    def customers_page(self, since: datetime, page: int, per_page: int = MAX_PER_PAGE) -> Page:
        """Customers changed since `since`, in order of registration. The customers endpoint has no
        date filter, so every page is read and the older profiles are left out here; `next` still
        follows WooCommerce's pages, and a page may come back empty with more to follow."""
        params = {"orderby": "registered_date", "order": "asc", "page": page, "per_page": _per_page(per_page)}
        result, cutoff = self._page("/customers", params, page), _gmt(since)
        changed = [c for c in result.items if (c.get("date_modified_gmt") or c.get("date_created_gmt") or "") >= cutoff]
        return Page(changed, result.next)

    # --- writes (sent once) --------------------------------------------------------------------

    def refund(self, order_id, *, amount: str, line_items: list[dict] | None, reason: str,
               idempotency_key: str) -> dict:
        """Refund through the order's payment gateway (`api_refund`); `line_items` as WooCommerce
        takes them ({id, quantity, refund_total, refund_tax}). The key is stored on the refund, so a
        caller whose answer was lost can find the refund among the order's before asking again."""
        body = {"amount": amount, "reason": reason, "api_refund": True,
                "meta_data": [{"key": REFUND_KEY, "value": idempotency_key}]}
        if line_items:
            body["line_items"] = line_items
        return self._json(self._call("POST", f"/orders/{_id(order_id)}/refunds", json=body, idempotent=False))

    def cancel(self, order_id) -> dict:
        """Set the order's status to cancelled. Setting it twice changes nothing more, so this
        write is retried like a read."""
        return self._json(self._call("PUT", f"/orders/{_id(order_id)}", json={"status": "cancelled"}))

    def resend_confirmation(self, order_id) -> str:
        """Email the customer their order details again. WooCommerce 9.8 and later have an order
        action for it (POST /orders/<id>/actions/send_order_details, the "Order details" email);
        an older store answers that route with rest_no_route, and gets an order note to the
        customer instead (customer_note: true), whose email carries the order details too.
        Returns which was used: "send_order_details" or "customer_note"."""
        path = f"/orders/{_id(order_id)}"
        response = self._send("POST", path + "/actions/send_order_details", json={}, idempotent=False)
        if not (response.status_code == 404 and _said(response)[0] == "rest_no_route"):
            self._checked(response, idempotent=False)
            return "send_order_details"
        note = {"note": CONFIRMATION_NOTE, "customer_note": True}
        self._checked(self._send("POST", path + "/notes", json=note, idempotent=False), idempotent=False)
        return "customer_note"

    # --- transport ------------------------------------------------------------------------------

    def _page(self, path: str, params: dict, page: int) -> Page:
        response = self._call("GET", path, params=params)
        items = self._json(response)
        if not isinstance(items, list):
            raise StoreApiError("The store answered, but not with a list from WooCommerce's REST API: "
                                "check the site URL", response.status_code, False)
        pages = _int(response.headers.get("X-WP-TotalPages"))
        more = page < pages if pages is not None else len(items) >= params["per_page"]
        return Page(items, page + 1 if more else None)

    def _call(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None,
              idempotent: bool = True) -> requests.Response:
        response = self._send(method, path, params=params, json=json, idempotent=idempotent)
        return self._checked(response, idempotent=idempotent)

    def _send(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None,
              idempotent: bool) -> requests.Response:
        """The store's last answer, after retries when the call may be repeated."""
        attempts, attempt = (self.max_attempts if idempotent else 1), 1
        while True:
            try:
                response = self.session.request(method, self.base_url + path, params=params, json=json,
                                                timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                error = self._transport_error(exc, idempotent)
                if attempt >= attempts or not error.retryable:
                    raise error from exc
                wait = self._backoff(attempt)
            else:
                wait = self._retry_wait(response, attempt) if attempt < attempts else None
                if wait is None:
                    return response
            self.sleep(wait)
            attempt += 1

    def _retry_wait(self, response: requests.Response, attempt: int) -> float | None:
        """How long to wait before asking again, or None to stop with this answer."""
        if response.status_code not in RETRY_STATUSES:
            return None
        asked = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
        if asked is None:
            return self._backoff(attempt)
        return asked if asked <= MAX_RETRY_AFTER else None

    @staticmethod
    def _backoff(attempt: int) -> float:
        return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempt - 1))

    def _transport_error(self, exc: requests.RequestException, idempotent: bool) -> StoreApiError:
        """The store never answered. A write that was sent may have been done: it is not repeated."""
        sent = not isinstance(exc, requests.ConnectTimeout)
        if isinstance(exc, requests.Timeout):
            message = f"The store did not answer within {self.timeout:g} s"
        else:
            message = f"Could not reach the store at {self.site_url}: check the site URL and that it is online"
        if not idempotent and sent:
            message += "; the change may have been made: check the order in WooCommerce before trying again"
        return StoreApiError(message, None, idempotent or not sent)

    def _checked(self, response: requests.Response, *, idempotent: bool) -> requests.Response:
        if 200 <= response.status_code < 300:
            return response
        raise self._status_error(response, idempotent)

    def _status_error(self, response: requests.Response, idempotent: bool) -> StoreApiError:
        status, (code, said) = response.status_code, _said(response)
        quoted = f" (WooCommerce said: {said})" if said else ""
        if status in (401, 403):
            return StoreApiError(f"WooCommerce refused the keys: check the consumer key and secret{quoted}",
                                 status, False)
        if 300 <= status < 400:
            return StoreApiError(f"The store sent us to {response.headers.get('Location') or 'another address'}: "
                                 "use that address as the site URL", status, False)
        if status == 404 and code == "rest_no_route":
            return StoreApiError(f"No WooCommerce REST API answers at {self.base_url}: check the site URL and "
                                 "that WooCommerce is active", status, False)
        if status == 404:
            return StoreApiError(f"WooCommerce has no such order{quoted}", status, False)
        if status == 429:
            return StoreApiError("WooCommerce is limiting how often we may ask: try again in a few minutes",
                                 status, True)
        if status >= 500 and idempotent:
            return StoreApiError(f"The store had an error (HTTP {status}): try again later{quoted}", status, True)
        if status >= 500 and code not in REFUSED_WRITES:
            return StoreApiError(f"The store had an error (HTTP {status}) and may have made the change: check "
                                 f"the order in WooCommerce before trying again{quoted}", status, False)
        return StoreApiError(f"WooCommerce refused: {said or f'HTTP {status}'}", status, False)

    @staticmethod
    def _json(response: requests.Response):
        try:
            return response.json()
        except ValueError:
            raise StoreApiError("The store answered, but not as WooCommerce's REST API: check the site URL",
                                response.status_code, False) from None


def _gmt(when: datetime) -> str:
    """A UTC time as WooCommerce's date filters take it with dates_are_gmt (no offset)."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _per_page(value: int) -> int:
    return max(1, min(int(value), MAX_PER_PAGE))


def _id(order_id) -> int:
    """An order id for a URL path: digits only, so nothing else can reach the path."""
    value = int(order_id)
    if value <= 0:
        raise ValueError(f"not an order id: {order_id!r}")
    return value


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
