"""A fake Shopify GraphQL Admin API on a loopback port, for the Shopify client's tests, the browser
tests and the backfill benchmark.

It keeps orders and customers in the REST (webhook) shape, as tests/stores/payloads holds them, and
answers in the GraphQL shape (gids, MoneyBags, capitalised enums, UTC times). It reads just enough
of a query to answer it: the root field (`shop`, `orders`, `customers`, `order`, `nodes`, `refundCreate`,
`orderCancel`, `orderInvoiceSend`) and its arguments, parsed with graphql-core; it is no GraphQL
engine, and answers with whole objects whatever the selection. Like Shopify it checks the access
token, pages by cursor, filters `created_at:>=` / `updated_at:>=`, prices each query (a connection
costs 2 plus `first` times its node, a mutation 10) and reports `extensions.cost`, and, once
`throttle()` is called, answers THROTTLED when the bucket is short. Its clock can be moved on
(`advance`), so a test's injected sleep can refill the bucket without waiting.

`FakeShopify(generated_orders=100_000)` makes orders from their index as they are asked for, so a
large history costs no memory.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import graphql
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.support import fake_shopify_graphql as gq
from tests.support.fake_shopify_shapes import (
    GENERATED_ORDER_BASE,
    customer_node,
    generated_order,
    order_node,
    refund_node,
)
from tests.support.fake_shopify_shapes import bag as _bag
from tests.support.fake_shopify_shapes import gid as _gid
from tests.support.fake_shopify_shapes import numeric as _numeric

API_VERSION = "2026-10"
BAD_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class _QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Shopify's edge does

    def log_request(self, *args, **kwargs):
        pass


class FakeShopify:
    """A store's GraphQL Admin API. Use as a context manager; `.url` is the endpoint."""

    def __init__(self, *, token: str = "shpat_fake_token", orders: list[dict] | None = None,
                 customers: list[dict] | None = None, generated_orders: int = 0,
                 generated_start: datetime = datetime(2025, 1, 1, tzinfo=UTC), currency: str = "EUR",
                 shop_name: str = "Tea & Things", domain: str = "tea-and-things.myshopify.com",
                 max_query_cost: float | None = None):
        self.token, self.currency, self.shop_name, self.domain = token, currency, shop_name, domain
        self.orders: list[dict] = list(orders or [])
        self.customers: list[dict] = list(customers or [])
        self.generated_orders, self.generated_start = generated_orders, generated_start
        self.max_query_cost = max_query_cost
        self.refunds: list[dict] = []  # REST-shaped, each with its idempotency_key
        self.cancellations: list[dict] = []
        self.invoices: list[int] = []
        self.requests: list[dict] = []
        self.delay = 0.0
        self.throttled = 0  # THROTTLED answers given
        self._failures: list[dict] = []
        self._changed: dict[int, dict] = {}  # generated orders a mutation touched
        self._answers: dict[str, dict] = {}  # idempotency key -> the first answer
        self._bucket: dict | None = None
        self._offset = 0.0
        self._lock = threading.Lock()
        self._server = self._thread = None

    # --- the test's levers -----------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None, *,
                  field: str | None = None, after_processing: bool = False) -> None:
        """Answer the next `times` requests (for `field` only, when given) with HTTP `status`;
        `after_processing` does the work first, as when an answer is lost on its way back."""
        self._failures.append({"status": status, "times": times, "retry_after": retry_after, "field": field,
                               "after": after_processing})

    def throttle(self, available: float, restore_rate: float, maximum: float = 2000.0) -> None:
        """Keep a cost bucket from now on, as Shopify does, holding `available` points."""
        self._bucket = {"available": float(available), "rate": float(restore_rate), "maximum": float(maximum),
                        "at": self.clock()}

    def clock(self) -> float:
        return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (the bucket refills), as a test's injected sleep."""
        self._offset += seconds

    def order(self, order_id: int) -> dict | None:
        """An order in the REST shape, generated or stored."""
        for order in self.orders:
            if order["id"] == order_id:
                return order
        index = order_id - GENERATED_ORDER_BASE
        if 0 <= index < self.generated_orders:
            return self._changed.get(order_id) or generated_order(index, self.generated_start, self.currency)
        return None

    def refunded_lines(self, order_id: int) -> dict[int, int]:
        """Line item id -> quantity refunded so far, from the refunds this fake recorded."""
        totals: dict[int, int] = {}
        for refund in self.refunds:
            if refund["order_id"] == order_id:
                for item in refund["refund_line_items"]:
                    totals[item["line_item_id"]] = totals.get(item["line_item_id"], 0) + item["quantity"]
        return totals

    # --- serving ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/admin/api/{API_VERSION}/graphql.json"

    def __enter__(self) -> FakeShopify:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-shopify", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        return self._answer(request)(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.method != "POST" or not request.path.endswith("/graphql.json"):
            return _json({"errors": "Not Found"}, 404)
        body = request.get_json(silent=True) or {}
        query, variables = body.get("query") or "", body.get("variables") or {}
        try:
            operation = gq.operation(query)
        except graphql.GraphQLError as error:
            return _json({"errors": [{"message": error.message, "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}]})
        root = operation.selection_set.selections[0]
        field, key = root.name.value, gq.directive_key(root, variables)
        entry = {"field": field, "variables": variables, "idempotency_key": key, "cost": None}
        self.requests.append(entry)
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return _json({"errors": BAD_TOKEN}, 401)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            failure = self._take_failure(field)
            if failure and not failure["after"]:
                return _failure(failure)
            answer = self._priced(operation, root, variables, key)
            entry["cost"] = ((answer.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost")
            return _failure(failure) if failure else _json(answer)

    def _take_failure(self, field: str) -> dict | None:
        for failure in self._failures:
            if failure["field"] in (None, field):
                failure["times"] -= 1
                if failure["times"] <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    # --- cost and throttling ---------------------------------------------------------------------

    def _priced(self, operation, root, variables: dict, key: str | None) -> dict:
        mutation = operation.operation == graphql.OperationType.MUTATION
        requested = 10.0 if mutation else gq.cost(operation.selection_set, variables)
        if self.max_query_cost and requested > self.max_query_cost:
            message = (f"Query cost is {requested:g}, which exceeds the single query max cost limit "
                       f"({self.max_query_cost:g}).")
            return {"errors": [{"message": message, "extensions": {"code": "MAX_COST_EXCEEDED",
                                                                   "cost": requested,
                                                                   "maxCost": self.max_query_cost}}],
                    "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                            "throttleStatus": self._status()}}}
        if not self._take(requested):
            self.throttled += 1
            return {"errors": [{"message": "Throttled", "extensions": {
                        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                    "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None,
                                            "throttleStatus": self._status()}}}
        answer, actual = self._dispatch(root, variables, key, requested)
        if self._bucket:
            self._bucket["available"] = min(self._bucket["maximum"],
                                            self._bucket["available"] + requested - actual)
        answer["extensions"] = {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual,
                                         "throttleStatus": self._status()}}
        return answer

    def _take(self, requested: float) -> bool:
        bucket = self._bucket
        if bucket is None:
            return True
        now = self.clock()
        bucket["available"] = min(bucket["maximum"], bucket["available"] + (now - bucket["at"]) * bucket["rate"])
        bucket["at"] = now
        if requested > bucket["available"] + 1e-9:
            return False
        bucket["available"] -= requested
        return True

    def _status(self) -> dict:
        if self._bucket is None:  # unthrottled: always a full Standard-plan bucket
            return {"maximumAvailable": 2000.0, "currentlyAvailable": 2000.0, "restoreRate": 100.0}
        return {"maximumAvailable": self._bucket["maximum"], "currentlyAvailable": self._bucket["available"],
                "restoreRate": self._bucket["rate"]}

    # --- answers ---------------------------------------------------------------------------------

    def _dispatch(self, root, variables: dict, key: str | None, requested: float) -> tuple[dict, float]:
        field, args = root.name.value, gq.arguments(root, variables)
        if field == "shop":
            shop = {"name": self.shop_name, "myshopifyDomain": self.domain, "currencyCode": self.currency}
            return {"data": {"shop": shop}}, requested
        if field in ("orders", "customers"):
            connection = self._list(field, args)
            share = len(connection["nodes"]) / max(1, args.get("first") or 1)
            return {"data": {field: connection}}, math.ceil(2 + (requested - 2) * share)
        if field == "order":
            return {"data": {"order": self._order_node(args["id"], root, variables)}}, requested
        if field == "nodes":
            return {"data": {"nodes": [self._refund_node(node_id) for node_id in args["ids"]]}}, requested
        if field == "refundCreate":
            return self._refund_create(args["input"], key), requested
        if field == "orderCancel":
            return {"data": {"orderCancel": self._cancel(args)}}, requested
        if field == "orderInvoiceSend":
            return {"data": {"orderInvoiceSend": self._invoice(args["id"])}}, requested
        return {"errors": [{"message": f"Field '{field}' doesn't exist on type 'QueryRoot'",
                            "extensions": {"code": "undefinedField"}}]}, requested

    def _list(self, field: str, args: dict) -> dict:
        since = gq.since(args.get("query") or "")
        if field == "orders":
            records, convert = self._orders_since(since), order_node
        else:
            records = sorted((c for c in self.customers if not since or gq.when(c.get("updated_at")) >= since),
                             key=lambda c: gq.when(c.get("updated_at")))
            convert = customer_node
        start = gq.position(args.get("after"))
        end = min(len(records), start + int(args.get("first") or 50))
        return {"pageInfo": {"hasNextPage": end < len(records), "endCursor": gq.cursor(end) if end > start else None},
                "nodes": [convert(records[i]) for i in range(start, end)]}

    def _orders_since(self, since: datetime | None) -> _Orders:
        first = 0
        if since and self.generated_orders:
            minutes = math.ceil((since - self.generated_start).total_seconds() / 60)
            first = max(0, min(self.generated_orders, minutes))
        stored = sorted((o for o in self.orders if not since or gq.when(o["created_at"]) >= since),
                        key=lambda o: gq.when(o["created_at"]))
        return _Orders(self, first, stored)

    def _order_node(self, order_gid: str, root, variables: dict) -> dict | None:
        order = self.order(_numeric(order_gid))
        if order is None:
            return None
        node = order_node(order)
        for selection in root.selection_set.selections:
            if isinstance(selection, graphql.FieldNode) and selection.name.value == "suggestedRefund":
                node["suggestedRefund"] = self._suggest(order, gq.arguments(selection, variables))
        return node

    def _refund_node(self, refund_gid: str) -> dict | None:
        wanted = _numeric(refund_gid)
        for order in [*self.orders, *self._changed.values()]:
            for refund in order.get("refunds") or []:
                if refund["id"] == wanted:
                    return dict(refund_node(refund, order.get("currency")), order={"id": _gid("Order", order["id"])})
        return None

    def _suggest(self, order: dict, args: dict) -> dict:
        lines = _refundable(order, self.refunded_lines(order["id"]), args.get("refundLineItems"),
                            bool(args.get("suggestFullRefund")))
        total = sum((Decimal(str(line["price"])) * quantity for line, quantity in lines), Decimal("0"))
        if args.get("refundShipping") and not any(r.get("shipping") for r in order.get("refunds") or []):
            total += sum((Decimal(str(s["price"])) for s in order.get("shipping_lines") or []), Decimal("0"))
        currency = order.get("presentment_currency") or order.get("currency")
        gateway = (order.get("payment_gateway_names") or ["manual"])[-1]
        return {"amountSet": _bag(total, currency),
                "refundLineItems": [{"quantity": quantity, "lineItem": {"id": _gid("LineItem", line["id"])}}
                                    for line, quantity in lines],
                "suggestedTransactions": [] if not total else [{
                    "gateway": gateway, "kind": "SUGGESTED_REFUND", "amountSet": _bag(total, currency),
                    "parentTransaction": {"id": _gid("OrderTransaction", _parent_transaction(order["id"]))}}]}

    def _refund_create(self, refund_input: dict, key: str | None) -> dict:
        if not key:
            return {"errors": [{"message": "The @idempotent directive is required for this mutation.",
                                "extensions": {"code": "BAD_REQUEST"}}]}
        if key in self._answers:
            return self._answers[key]
        order = self.order(_numeric(refund_input["orderId"]))
        if order is None:
            return {"data": {"refundCreate": {"refund": None, "userErrors": [
                {"field": ["orderId"], "message": "Order does not exist"}]}}}
        prices = {line["id"]: Decimal(str(line["price"])) for line in order.get("line_items") or []}
        transactions = [{"amount": t["amount"], "kind": "refund", "status": "success", "gateway": t["gateway"],
                         "parent_id": _numeric(t.get("parentId"))} for t in refund_input.get("transactions") or []]
        items = [{"line_item_id": _numeric(item["lineItemId"]), "quantity": item["quantity"],
                  "subtotal": str(prices[_numeric(item["lineItemId"])] * item["quantity"])}
                 for item in refund_input.get("refundLineItems") or []]
        refund = {"id": 890088186047892319 + len(self.refunds), "order_id": order["id"], "created_at": _now(),
                  "note": refund_input.get("note"), "transactions": transactions, "refund_line_items": items,
                  "shipping": bool((refund_input.get("shipping") or {}).get("fullRefund"))}
        self._apply(order, lambda o: o.setdefault("refunds", []).append(refund))
        self.refunds.append(dict(refund, idempotency_key=key))
        answer = {"data": {"refundCreate": {"refund": refund_node(refund, order.get("currency")), "userErrors": []}}}
        self._answers[key] = answer
        return answer

    def _cancel(self, args: dict) -> dict:
        order = self.order(_numeric(args["orderId"]))
        if order is None or order.get("cancelled_at"):
            message = "Order does not exist" if order is None else "Order has already been cancelled"
            return {"job": None, "orderCancelUserErrors": [{"field": ["orderId"], "message": message,
                                                            "code": "INVALID"}]}
        when = _now()
        self._apply(order, lambda o: o.update(cancelled_at=when, cancel_reason=args["reason"].lower()))
        self.cancellations.append({"order_id": order["id"], "reason": args["reason"], "restock": args["restock"],
                                   "refund": bool((args.get("refundMethod") or {}).get("originalPaymentMethodsRefund")),
                                   "notify_customer": args.get("notifyCustomer")})
        return {"job": {"id": _gid("Job", uuid.uuid4()), "done": False}, "orderCancelUserErrors": []}

    def _invoice(self, order_gid: str) -> dict:
        order = self.order(_numeric(order_gid))
        if order is None:
            return {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist",
                                                   "code": "ORDER_NOT_FOUND"}]}
        self.invoices.append(order["id"])
        return {"order": {"id": _gid("Order", order["id"]), "email": order.get("email")}, "userErrors": []}

    def _apply(self, order: dict, change) -> None:
        """Change an order; a generated one is kept from then on."""
        if GENERATED_ORDER_BASE <= order["id"] < GENERATED_ORDER_BASE + self.generated_orders:
            order = self._changed.setdefault(order["id"], order)
        change(order)
        order["updated_at"] = _now()


class _Orders:
    """The orders a listing pages through: generated ones from index `first` on, then stored ones."""

    def __init__(self, fake: FakeShopify, first: int, stored: list[dict]):
        self.fake, self.first, self.stored = fake, first, stored
        self.generated = fake.generated_orders - first

    def __len__(self) -> int:
        return self.generated + len(self.stored)

    def __getitem__(self, position: int) -> dict:
        if position < self.generated:
            return self.fake.order(GENERATED_ORDER_BASE + self.first + position)
        return self.stored[position - self.generated]


def _refundable(order: dict, refunded: dict[int, int], lines: list | None, full: bool) -> list[tuple[dict, int]]:
    """(line, quantity) pairs Shopify would suggest refunding: what was asked, up to what is left."""
    by_id = {line["id"]: line for line in order.get("line_items") or []}
    wanted = ([(line_id, line["quantity"]) for line_id, line in by_id.items()] if full else
              [(_numeric(item["lineItemId"]), int(item["quantity"])) for item in lines or []])
    chosen = []
    for line_id, quantity in wanted:
        line = by_id.get(line_id)
        left = 0 if line is None else line["quantity"] - refunded.get(line_id, 0)
        if min(quantity, left) > 0:
            chosen.append((line, min(quantity, left)))
    return chosen


def _parent_transaction(order_id: int) -> int:
    return order_id + 1  # the order's sale, as the fake numbers it


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def _failure(failure: dict) -> Response:
    status = failure["status"]
    headers = {"Retry-After": f"{failure['retry_after']:g}"} if failure["retry_after"] is not None else None
    message = ("Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
               if status == 429 else "Internal Server Error" if status >= 500 else "Error")
    return _json({"errors": message}, status, headers)
