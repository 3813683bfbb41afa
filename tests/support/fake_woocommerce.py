"""A fake WooCommerce REST API (v3) on a free loopback port, for the store client's tests and the
backfill benchmark. It follows the documented endpoints the connector uses: orders (list, read,
update), an order's refunds and notes, the send_order_details action, and customers; basic auth with
one consumer key and secret (401 with WooCommerce's error body otherwise); paging with `page` and
`per_page` (at most 100) and the X-WP-Total / X-WP-TotalPages headers.

    with FakeWooCommerce() as shop:                      # or FakeWooCommerce(generated_orders=100_000)
        shop.add_order(order)
        shop.fail_next(429, retry_after="2")
        WooCommerceApi(shop.url, shop.consumer_key, shop.consumer_secret).orders_page(since, 1)

A generated history is made on the fly from each order's index (order i is created i minutes after
GENERATED_START), so a 100,000-order store costs no memory and a page costs one hundred small dicts.
Orders added or changed through the API (a refund, a cancellation) are kept in `orders` and take
the place of the generated order with their id.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API = "/wp-json/wc/v3"
GENERATED_START = datetime(2024, 1, 1, tzinfo=UTC)
_ROUTES = Map([
    Rule(f"{API}/orders", endpoint="orders", methods=["GET"]),
    Rule(f"{API}/orders/<int:order_id>", endpoint="order", methods=["GET", "PUT"]),
    Rule(f"{API}/orders/<int:order_id>/refunds", endpoint="refunds", methods=["GET", "POST"]),
    Rule(f"{API}/orders/<int:order_id>/notes", endpoint="notes", methods=["POST"]),
    Rule(f"{API}/orders/<int:order_id>/actions/send_order_details", endpoint="send_details", methods=["POST"]),
    Rule(f"{API}/customers", endpoint="customers", methods=["GET"]),
    Rule(f"{API}/customers/<int:customer_id>", endpoint="customer", methods=["GET"]),
])


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it (path relative to /wp-json/wc/v3)."""

    method: str
    path: str
    args: dict
    body: dict | None


class _Quiet(WSGIRequestHandler):
    def log(self, *_args) -> None:  # a benchmark makes a thousand requests: no line per request
        pass


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    body = {"code": code, "message": message, "data": {"status": status}}
    return Response(json.dumps(body), status, headers=headers, mimetype="application/json")


def _failure(status: int, retry_after: str | None) -> Response:
    """An injected failure: WordPress's answer to a fatal error in a REST request, or a rate limit."""
    headers = {"Retry-After": retry_after} if retry_after else None
    if status >= 500:
        return _error(status, "internal_server_error", "There has been a critical error on this website.", headers)
    return _error(status, "too_many_requests" if status == 429 else "fake_failure", f"HTTP {status}.", headers)


def _json(data, headers: dict | None = None, status: int = 200) -> Response:
    return Response(json.dumps(data), status, headers=headers, mimetype="application/json")


def _gmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def generated_order(index: int) -> dict:
    """Order `index` (1-based) of a generated history: mostly completed or processing, every 40th
    cancelled, every 50th refunded in full; every 4th a guest's."""
    created = GENERATED_START + timedelta(minutes=index)
    status = ("refunded" if index % 50 == 0 else "cancelled" if index % 40 == 0
              else "processing" if index % 3 == 0 else "completed")
    guest = index % 4 == 0
    customer_id = 0 if guest else 1 + index % 997
    email = f"guest{index}@example.com" if guest else f"customer{customer_id}@example.com"
    quantity = 1 + index % 3
    total = f"{12.5 * quantity + 4.9:.2f}"
    return {
        "id": index, "parent_id": 0, "number": str(index), "order_key": f"wc_order_{index:012x}",
        "created_via": "checkout", "version": "9.8.0", "status": status, "currency": "EUR",
        "date_created": _gmt(created), "date_created_gmt": _gmt(created),
        "date_modified": _gmt(created + timedelta(seconds=30)),
        "date_modified_gmt": _gmt(created + timedelta(seconds=30)),
        "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "4.90", "shipping_tax": "0.00",
        "cart_tax": "0.00", "total": total, "total_tax": "0.00", "prices_include_tax": True,
        "customer_id": customer_id, "customer_note": "",
        "billing": {"first_name": "Ana", "last_name": f"Lopes {index}", "company": "", "address_1": "Rua Augusta 1",
                    "address_2": "", "city": "Lisboa", "state": "", "postcode": "1100-048", "country": "PT",
                    "email": email, "phone": "+351 21 000 0000"},
        "payment_method": "stripe", "payment_method_title": "Card", "transaction_id": f"pi_{index}",
        "date_paid": _gmt(created), "date_paid_gmt": _gmt(created),
        "line_items": [{"id": index * 10, "name": "Blue enamel mug", "product_id": 31, "variation_id": 0,
                        "quantity": quantity, "tax_class": "", "subtotal": f"{12.5 * quantity:.2f}",
                        "total": f"{12.5 * quantity:.2f}", "taxes": [], "meta_data": [], "sku": "MUG-BLUE",
                        "price": 12.5}],
        "shipping_lines": [{"id": index * 10 + 1, "method_title": "Flat rate", "method_id": "flat_rate",
                            "total": "4.90", "total_tax": "0.00", "taxes": [], "meta_data": []}],
        "fee_lines": [], "coupon_lines": [], "tax_lines": [], "meta_data": [],
        "refunds": [{"id": 10_000_000 + index, "reason": "Order fully refunded.", "total": f"-{total}"}]
        if status == "refunded" else [],
    }


class FakeWooCommerce:
    """The fake store. `orders`, `customers`: resources by id; `refunds`, `notes`, `emails`: what
    the API was asked to create or send; `requests`: every request received; `delay`: seconds to
    wait before each answer (released at once on close)."""

    def __init__(self, *, consumer_key: str = "ck_fake_0123456789", consumer_secret: str = "cs_fake_9876543210",
                 generated_orders: int = 0, order_actions: bool = True):
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.generated_orders = generated_orders
        self.order_actions = order_actions  # False: a WooCommerce older than 9.8, without order actions
        self.orders: dict[int, dict] = {}
        self.customers: dict[int, dict] = {}
        self.refunds: list[dict] = []
        self.notes: list[dict] = []
        self.emails: list[dict] = []
        self.requests: list[Recorded] = []
        self.delay = 0.0
        self._failures: deque[tuple[int, str | None]] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._next_id = 20_000_000
        self._server = None
        self._thread = None

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> FakeWooCommerce:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def start(self) -> None:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        # a short poll: close() waits for the serving loop to notice, once per test
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-woocommerce", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    @property
    def url(self) -> str:
        """The site URL (the API is under /wp-json/wc/v3)."""
        return f"http://127.0.0.1:{self._server.server_port}"

    # --- arranging ----------------------------------------------------------------------------

    def add_order(self, order: dict) -> dict:
        with self._lock:
            self.orders[int(order["id"])] = order
        return order

    def add_customer(self, customer: dict) -> dict:
        with self._lock:
            self.customers[int(customer["id"])] = customer
        return customer

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` requests with `status` (and a Retry-After header when given)."""
        with self._lock:
            self._failures.extend([(status, retry_after)] * times)

    def calls(self, method: str, path_prefix: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    # --- serving ------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        return self._respond(Request(environ))(environ, start_response)

    def _respond(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.content_length else None
        with self._lock:
            self.requests.append(Recorded(request.method, request.path.removeprefix(API), dict(request.args), body))
            failure = self._failures.popleft() if self._failures else None
        if self.delay:
            self._closing.wait(self.delay)
        if failure:
            return _failure(*failure)
        refused = self._refusal(request)
        if refused:
            return refused
        try:
            endpoint, values = _ROUTES.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed):
            return _error(404, "rest_no_route", "No route was found matching the URL and request method.")
        except HTTPException as exc:
            return _error(exc.code or 400, "rest_invalid_request", exc.description or "Bad request.")
        if endpoint == "send_details" and not self.order_actions:
            return _error(404, "rest_no_route", "No route was found matching the URL and request method.")
        with self._lock:
            return getattr(self, f"_{endpoint}")(request, body or {}, **values)

    def _refusal(self, request: Request) -> Response | None:
        """WooCommerce's answers to wrong or missing keys (basic auth, or the documented query
        string parameters for servers that drop the Authorization header)."""
        key, secret = request.args.get("consumer_key"), request.args.get("consumer_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            key, _, secret = base64.b64decode(header[6:]).decode(errors="replace").partition(":")
        if not key:
            return _error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
        if key != self.consumer_key:
            return _error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
        if secret != self.consumer_secret:
            return _error(401, "woocommerce_rest_authentication_error", "Invalid signature - provided signature "
                          "does not match.")
        return None

    # --- endpoints (called with the lock held) -------------------------------------------------

    def _orders(self, request: Request, _body: dict) -> Response:
        page, per_page, problem = _paging(request)
        if problem:
            return problem
        after, descending = request.args.get("after"), request.args.get("order", "desc") == "desc"
        if self.generated_orders:
            ids = self._generated_ids(after)
            ids = ids[::-1] if descending else ids
            chosen = [self.orders.get(i) or generated_order(i) for i in ids[(page - 1) * per_page:page * per_page]]
            return _collection(chosen, len(ids), per_page)
        status = request.args.get("status", "any")
        listed = sorted((o for o in self.orders.values()
                         if (not after or o["date_created_gmt"] > after) and status in ("any", o["status"])),
                        key=lambda o: (o["date_created_gmt"], o["id"]), reverse=descending)
        return _collection(listed[(page - 1) * per_page:page * per_page], len(listed), per_page)

    def _generated_ids(self, after: str | None) -> range:
        """The generated orders created strictly after `after` (order i is made i minutes in)."""
        first = 1
        if after:
            elapsed = datetime.fromisoformat(after).replace(tzinfo=UTC) - GENERATED_START
            first = max(1, math.floor(elapsed.total_seconds() / 60) + 1)
        return range(first, self.generated_orders + 1)

    def _order_by_id(self, order_id: int) -> dict | None:
        """An order to read or change: a generated one is kept from then on, so changes to it last."""
        if order_id in self.orders:
            return self.orders[order_id]
        if 1 <= order_id <= self.generated_orders:
            self.orders[order_id] = generated_order(order_id)
            return self.orders[order_id]
        return None

    def _order(self, request: Request, body: dict, order_id: int) -> Response:
        order = self._order_by_id(order_id)
        if order is None:
            return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        if request.method == "PUT":
            order.update({key: value for key, value in body.items() if key != "id"})
            _touch(order)
        return _json(order)

    def _refunds(self, request: Request, body: dict, order_id: int) -> Response:
        order = self._order_by_id(order_id)
        if order is None:
            return _error(404, "woocommerce_rest_invalid_order_id", "Invalid order ID.")
        if request.method == "GET":
            return _json([r["resource"] for r in self.refunds if r["order_id"] == order_id])
        amount = float(body.get("amount") or 0)
        remaining = float(order["total"]) - sum(-float(r["total"]) for r in order.get("refunds", []))
        if not 0 < amount <= round(remaining, 2):
            # WooCommerce answers a refused refund (wc_create_refund's WP_Error) with a 500
            return _error(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
        self._next_id += 1
        now = _gmt(datetime.now(UTC))
        resource = {"id": self._next_id, "date_created": now, "date_created_gmt": now, "amount": f"{amount:.2f}",
                    "reason": body.get("reason") or "", "refunded_by": 1,
                    "refunded_payment": body.get("api_refund", True) is not False,
                    "meta_data": [{"id": self._next_id + n, **m} for n, m in enumerate(body.get("meta_data") or [])],
                    "line_items": body.get("line_items") or []}
        self.refunds.append({"order_id": order_id, "request": body, "resource": resource})
        order.setdefault("refunds", []).append({"id": resource["id"], "reason": resource["reason"],
                                                "total": f"-{amount:.2f}"})
        if round(remaining - amount, 2) == 0:
            order["status"] = "refunded"
        _touch(order)
        return _json(resource, status=201)

    def _notes(self, _request: Request, body: dict, order_id: int) -> Response:
        if self._order_by_id(order_id) is None:
            return _error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
        self._next_id += 1
        now = _gmt(datetime.now(UTC))
        note = {"id": self._next_id, "author": "WooCommerce", "date_created": now, "date_created_gmt": now,
                "note": body.get("note") or "", "customer_note": bool(body.get("customer_note"))}
        self.notes.append({"order_id": order_id, **note})
        return _json(note, status=201)

    def _send_details(self, _request: Request, _body: dict, order_id: int) -> Response:
        order = self._order_by_id(order_id)
        if order is None:
            return _error(404, "woocommerce_rest_not_found", "Order not found")
        address = (order.get("billing") or {}).get("email")
        if not address:
            return _error(400, "woocommerce_rest_missing_email", "Order does not have an email address.")
        self.emails.append({"order_id": order_id, "to": address, "template": "customer_invoice"})
        return _json({"message": f"Order details sent to {address}, via REST API."})

    def _customers(self, request: Request, _body: dict) -> Response:
        page, per_page, problem = _paging(request)
        if problem:
            return problem
        orderby = request.args.get("orderby", "name")
        sort_key = {"id": lambda c: c["id"], "registered_date": lambda c: (c.get("date_created_gmt") or "", c["id"])
                    }.get(orderby, lambda c: (c.get("first_name") or "", c.get("last_name") or "", c["id"]))
        listed = sorted(self.customers.values(), key=sort_key, reverse=request.args.get("order") == "desc")
        return _collection(listed[(page - 1) * per_page:page * per_page], len(listed), per_page)

    def _customer(self, _request: Request, _body: dict, customer_id: int) -> Response:
        if customer_id not in self.customers:
            return _error(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return _json(self.customers[customer_id])


def _paging(request: Request) -> tuple[int, int, Response | None]:
    """page and per_page as WordPress validates them (per_page 1 to 100, default 10)."""
    try:
        page, per_page = int(request.args.get("page", 1)), int(request.args.get("per_page", 10))
    except ValueError:
        page, per_page = 0, 0
    if page < 1 or not 1 <= per_page <= 100:
        bad = "page" if page < 1 else "per_page"
        return 0, 0, _error(400, "rest_invalid_param", f"Invalid parameter(s): {bad}")
    return page, per_page, None


def _collection(items: list, total: int, per_page: int) -> Response:
    return _json(items, {"X-WP-Total": str(total), "X-WP-TotalPages": str(math.ceil(total / per_page))})


def _touch(order: dict) -> None:
    now = _gmt(datetime.now(UTC))
    order["date_modified"] = order["date_modified_gmt"] = now
