"""A store's Shopify, asked through the GraphQL Admin API: the shop, its order and customer history
a page at a time (in the webhook shape, see shopify_graphql), and an agent's refund, cancellation
and invoice email.

Shopify rates an app by query cost: each answer's `extensions.cost` tells what the call cost and
what is left (`throttleStatus`: currentlyAvailable, restoreRate points a second). The client waits
before a call that would not fit, waits and asks again when Shopify answers THROTTLED, and honours
`Retry-After` on HTTP 429. A 5xx or a lost connection is asked again for a query, and for a mutation
only when a repeat cannot act twice: a refund carries Shopify's `@idempotent(key:)`, and an order
is cancelled once at most. Everything else becomes a StoreApiError a shop owner can read.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import requests

from app.services.stores import shopify_graphql as gql
from app.services.stores.api_client import Page, StoreApiError

# The current stable version (a version is supported for a year). refundCreate takes
# @idempotent from 2026-01 and requires it from 2026-04; Order.cartToken/checkoutToken are 2026-07.
API_VERSION = "2026-10"
MAX_QUERY_COST = 1000  # Shopify refuses a single query priced above this
TOKEN_REFUSED = "Shopify refused the access token: check the custom app's Admin API token"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,255}$")


class QueryTooCostly(StoreApiError):
    """Shopify priced the query above its single-query limit (MAX_COST_EXCEEDED)."""

    def __init__(self, message: str, cost: float):
        super().__init__(message)
        self.cost = cost


class Budget:
    """What is left of the app's query-cost bucket at this store, as the last answer said."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self.available = self.maximum = self.rate = None
        self.at = 0.0

    def update(self, status: dict | None) -> None:
        if status and status.get("restoreRate"):
            self.available, self.maximum = float(status["currentlyAvailable"]), float(status["maximumAvailable"])
            self.rate, self.at = float(status["restoreRate"]), self.clock()

    def wait_for(self, cost: float | None) -> float:
        """Seconds until the bucket holds `cost` points (never more than a full bucket)."""
        if not cost or self.rate is None:
            return 0.0
        now = min(self.maximum, self.available + (self.clock() - self.at) * self.rate)
        return max(0.0, (min(cost, self.maximum) - now) / self.rate)


class ShopifyApi:
    """One store's GraphQL Admin API, reached with a custom app's Admin API access token."""

    def __init__(self, shop_domain: str, access_token: str, api_url: str | None = None, *,
                 api_version: str = API_VERSION, session: requests.Session | None = None, timeout: float = 10.0,
                 max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.shop_domain = shop_domain
        self.url = api_url or f"https://{shop_domain}/admin/api/{api_version}/graphql.json"
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment between us and the store
        self.headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json",
                        "Accept": "application/json"}
        self.timeout, self.max_attempts, self.sleep = timeout, max(1, max_attempts), sleep
        self.budget = Budget(clock)
        self.costs: dict[tuple, float] = {}  # (operation, page size) -> the requested cost Shopify last reported
        self.page_sizes: dict[str, int] = {}  # operation -> the largest page Shopify accepted after a refusal

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ShopifyApi:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reads -----------------------------------------------------------------------------------

    def check(self) -> dict:
        """The shop the token opens: {"name", "myshopifyDomain", "currencyCode"}."""
        return self._call("Shop", gql.SHOP_QUERY, {})["shop"]

    def orders_page(self, since: datetime, cursor: str | None, first: int = 100) -> Page:
        """Orders created at or after `since`, oldest first, in the webhook shape. A page may hold
        fewer than `first` when Shopify prices the full page above its single-query limit."""
        page = self._page("orders", gql.ORDERS_QUERY, f"created_at:>='{_utc(since)}'", cursor, first,
                          gql.order_from_graphql)
        self._fill_refunds(page.items)
        return page

    def _fill_refunds(self, orders: list[dict]) -> None:
        """Replace the refunds a page names by id with their details, ten to a query."""
        wanted = [gql.gid("Refund", refund["id"]) for order in orders for refund in order["refunds"]]
        found = {}
        for start in range(0, len(wanted), 10):
            data = self._call("refunds", gql.REFUNDS_QUERY, {"ids": wanted[start:start + 10]})
            found.update({refund["id"]: refund for refund in map(gql.refund_from_graphql, filter(None, data["nodes"]))})
        for order in orders:
            order["refunds"] = [found.get(refund["id"], refund) for refund in order["refunds"]]

    def customers_page(self, since: datetime, cursor: str | None, first: int = 100) -> Page:
        """Customers updated at or after `since` (a profile changed since counts), in the webhook
        shape."""
        return self._page("customers", gql.CUSTOMERS_QUERY, f"updated_at:>='{_utc(since)}'", cursor, first,
                          gql.customer_from_graphql)

    def _page(self, field: str, document: str, search: str, cursor, first: int, convert) -> Page:
        size = min(first, self.page_sizes.get(field, first), 250)
        while True:
            try:
                data = self._call(field, document, {"first": size, "after": cursor, "query": search}, size=size)
                break
            except QueryTooCostly as refused:
                size = _smaller_page(size, refused.cost)
                self.page_sizes[field] = size
        connection = data[field]
        info = connection.get("pageInfo") or {}
        return Page(items=[convert(node) for node in gql.nodes(connection)],
                    next=info.get("endCursor") if info.get("hasNextPage") else None)

    # --- an agent's actions ----------------------------------------------------------------------

    def refund(self, order_id: int, *, lines: list[tuple[int, int]] | None, note: str,
               idempotency_key: str) -> dict:
        """Refund (line item id, quantity) pairs, or the whole order with its shipping when `lines` is
        None, to the payments it was paid with. Shopify suggests the transactions (suggestedRefund),
        as its docs ask before refundCreate; the key makes a repeated call refund once."""
        _check_key(idempotency_key)
        suggestion = self._suggest_refund(order_id, lines)
        transactions = [{"orderId": gql.gid("Order", order_id), "parentId": t["parentTransaction"]["id"],
                         "gateway": t["gateway"], "kind": "REFUND",
                         "amount": gql.amount(t["amountSet"], "presentmentMoney")}
                        for t in suggestion["suggestedTransactions"] if t.get("parentTransaction")]
        refund_input = {"orderId": gql.gid("Order", order_id), "note": note,
                        "currency": suggestion["currency"], "transactions": transactions,
                        "refundLineItems": [{"lineItemId": item["lineItem"]["id"], "quantity": item["quantity"]}
                                            for item in suggestion["refundLineItems"]]}
        if lines is None:
            refund_input["shipping"] = {"fullRefund": True}
        document = gql.REFUND_CREATE % json.dumps(idempotency_key)
        payload = self._call("refundCreate", document, {"input": refund_input}, safe=True)["refundCreate"]
        _raise_user_errors(payload.get("userErrors"))
        return gql.refund_from_graphql(payload["refund"], order_id)

    def _suggest_refund(self, order_id: int, lines) -> dict:
        variables = {"id": gql.gid("Order", order_id), "full": lines is None, "shipping": lines is None,
                     "lines": None if lines is None else
                     [{"lineItemId": gql.gid("LineItem", line), "quantity": quantity} for line, quantity in lines]}
        order = self._call("suggestedRefund", gql.SUGGESTED_REFUND_QUERY, variables)["order"]
        if not order:
            raise StoreApiError(f"Shopify has no order {order_id} in this store")
        return dict(order["suggestedRefund"], currency=order.get("presentmentCurrencyCode"))

    def cancel(self, order_id: int, *, reason: str = "OTHER", refund: bool = False, restock: bool = True,
               notify_customer: bool = True, idempotency_key: str) -> dict:
        """Cancel an order (Shopify finishes it in a background job). orderCancel takes no
        idempotency key, but Shopify cancels an order once only, so a repeat after a lost answer
        is refused, and the order, read back, says whether it is cancelled. The key is checked and
        kept for the caller's records."""
        _check_key(idempotency_key)
        variables = {"orderId": gql.gid("Order", order_id), "reason": reason, "restock": restock,
                     "notifyCustomer": notify_customer, "refundMethod": {"originalPaymentMethodsRefund": refund}}
        payload = self._call("orderCancel", gql.ORDER_CANCEL, variables, safe=True)["orderCancel"]
        errors = payload.get("orderCancelUserErrors") or []
        if errors:
            cancelled = self._call("order", gql.ORDER_CANCELLED_QUERY, {"id": gql.gid("Order", order_id)})["order"]
            if not (cancelled and cancelled.get("cancelledAt")):
                _raise_user_errors(errors)
            return {"order_id": order_id, "job_id": None, "cancelled_at": cancelled["cancelledAt"]}
        job = payload.get("job") or {}
        return {"order_id": order_id, "job_id": job.get("id"), "cancelled_at": None}

    def resend_confirmation(self, order_id: int) -> dict:
        """Email the customer the order again. Shopify's API cannot resend the order confirmation
        notification (only the admin's "Resend" button can); the closest it documents is
        orderInvoiceSend, the order's invoice email to the order's address. Not repeated after a
        lost answer: a second email is worse than none."""
        payload = self._call("orderInvoiceSend", gql.ORDER_INVOICE_SEND, {"id": gql.gid("Order", order_id)})
        payload = payload["orderInvoiceSend"]
        _raise_user_errors(payload.get("userErrors"))
        return {"order_id": order_id, "email": (payload.get("order") or {}).get("email")}

    # --- the wire --------------------------------------------------------------------------------

    def _call(self, name: str, document: str, variables: dict, *, safe: bool | None = None,
              size: int | None = None) -> dict:
        """POST one operation and return its `data`. `safe`: may a 5xx or lost answer be asked
        again (queries always may)."""
        safe = safe if safe is not None else not document.lstrip().startswith("mutation")
        key, failures, throttled = (name, size), 0, 0
        while True:
            self._wait(self.budget.wait_for(self.costs.get(key)))
            try:
                response = self.session.post(self.url, json={"query": document, "variables": variables},
                                             headers=self.headers, timeout=self.timeout)
            except requests.Timeout:
                failure, pause = StoreApiError(f"The store did not answer within {self.timeout:g} s",
                                               retryable=True), None
            except requests.ConnectionError:
                failure, pause = StoreApiError(f"Could not reach {self.shop_domain}: check the shop's address",
                                               retryable=True), None
            else:
                failure, pause = _http_failure(response)
                if failure is None:
                    body = _json(response)
                    wait = self._note_cost(key, body)
                    if wait is None:
                        return _data(body)
                    throttled += 1
                    if throttled >= self.max_attempts:
                        raise StoreApiError("Shopify kept this store's API calls waiting: try again in a minute",
                                            retryable=True)
                    self._wait(wait)
                    continue
            failures += 1
            # a 429 was refused before anything ran, so even an unsafe mutation may be sent again
            if failure.retryable and not (safe or failure.status == 429):
                raise StoreApiError(f"{failure.message}. It may have gone through: check the order in Shopify "
                                    "before trying again", status=failure.status)
            if not failure.retryable or failures >= self.max_attempts:
                raise failure
            self._wait(pause if pause is not None else min(30.0, 0.5 * 2 ** (failures - 1)))

    def _note_cost(self, key: tuple, body: dict) -> float | None:
        """Record what Shopify said the call cost; the seconds to wait when it was THROTTLED, else None."""
        cost = (body.get("extensions") or {}).get("cost") or {}
        self.budget.update(cost.get("throttleStatus"))
        if cost.get("requestedQueryCost") is not None:
            self.costs[key] = float(cost["requestedQueryCost"])
        if any(_code(error) == "THROTTLED" for error in body.get("errors") or []):
            return max(self.budget.wait_for(cost.get("requestedQueryCost")), 0.1)
        return None

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)


# --- answers to errors ---------------------------------------------------------------------------


def _http_failure(response: requests.Response) -> tuple[StoreApiError | None, float | None]:
    """The error for a non-200 answer, and how long Shopify asked us to wait (Retry-After)."""
    status = response.status_code
    if status == 200:
        return None, None
    if status == 429:
        return StoreApiError("Shopify asked this store's API calls to slow down", status=429,
                             retryable=True), _retry_after(response)
    if status >= 500:
        return StoreApiError(f"Shopify could not answer (HTTP {status}); try again in a few minutes",
                             status=status, retryable=True), _retry_after(response)
    messages = {401: TOKEN_REFUSED,
                402: "Shopify has frozen this store until its bill is paid",
                403: "Shopify refused: the custom app lacks an access scope this needs",
                404: "Shopify has no Admin API at this address: check the shop's myshopify.com domain",
                423: "Shopify has locked this store"}
    return StoreApiError(messages.get(status, f"Shopify refused the request (HTTP {status})"), status=status), None


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise StoreApiError("Shopify answered with something other than JSON", status=response.status_code,
                            retryable=True)
    return body


def _code(error: dict) -> str | None:
    return (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None


def _data(body: dict) -> dict:
    """The answer's data, or the error its `errors` describe."""
    errors = body.get("errors")
    if isinstance(errors, str):  # Shopify's word for a bad token, even on HTTP 200 from a proxy
        raise StoreApiError(TOKEN_REFUSED if "access token" in errors else f"Shopify says: {errors}")
    if errors:
        first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
        code, message = _code(first), first.get("message") or "an error without a message"
        if code == "MAX_COST_EXCEEDED":
            cost = (first.get("extensions") or {}).get("cost") or _cost_in(message)
            raise QueryTooCostly(f"Shopify says: {message}", float(cost or MAX_QUERY_COST * 2))
        if code == "ACCESS_DENIED":
            raise StoreApiError(f"Shopify refused: the custom app lacks an access scope this needs ({message})",
                                status=403)
        raise StoreApiError(f"Shopify says: {message}",
                            retryable=code in ("INTERNAL_SERVER_ERROR", "IDEMPOTENCY_CONCURRENT_REQUEST"))
    return body.get("data") or {}


def _cost_in(message: str) -> float | None:
    found = re.search(r"Query cost is (\d+)", message)
    return float(found.group(1)) if found else None


def _raise_user_errors(errors: list | None) -> None:
    if errors:
        raise StoreApiError("Shopify says: " + "; ".join(error.get("message") or "" for error in errors))


def _smaller_page(size: int, cost: float) -> int:
    """A page size Shopify should price under its limit, from what it priced `size` at."""
    if size <= 1:
        raise StoreApiError("Shopify prices even one record above its query limit")
    per_item = max(cost - 2, 1) / size  # a connection costs 2 plus `first` times its node
    return max(1, min(size - 1, int((MAX_QUERY_COST - 2) // per_item)))


def _check_key(key: str) -> None:
    if not _KEY.match(key or ""):
        raise ValueError("an idempotency key is 1 to 255 letters, digits or _.:- (a UUID fits)")


def _utc(moment: datetime) -> str:
    """A search-syntax time: UTC, to the second ('2026-01-01T00:00:00Z'); a naive time is UTC."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
