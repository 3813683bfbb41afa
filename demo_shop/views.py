"""The demo shop's pages: catalogue, product, cart, a fake sign-in and a checkout that places fake orders."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for

from demo_shop import catalogue, tracking

bp = Blueprint("shop", __name__)


def _customer():
    return catalogue.customer(session.get("customer_id"))


def _cart() -> catalogue.Cart:
    return catalogue.cart_from(session.get("cart"))


def _page(template: str, *, events: list[tuple[str, dict]] = (), status: int = 200, **context):
    """Render a shop page with the helpdesk calls it makes (identify, pending and page events)."""
    customer = _customer()
    return render_template(
        template, customer=customer, cart=_cart(), helpdesk_url=current_app.config["HELPDESK_URL"],
        helpdesk_calls=tracking.helpdesk_calls(customer, list(events)), **context,
    ), status


def _local(target: str | None) -> str:
    """Only redirect within the shop (no open redirect through ?next=)."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("shop.catalogue_page")
    return target


@bp.route("/")
def catalogue_page():
    """The catalogue."""
    return _page("shop/catalogue.html", products=catalogue.PRODUCTS)


@bp.route("/products/<sku>")
def product_page(sku: str):
    """One product; tells the helpdesk it was viewed."""
    item = catalogue.product(sku) or abort(404)
    viewed = {"sku": item.sku, "name": item.name, "price": str(item.price), "url": request.url}
    return _page("shop/product.html", product=item, events=[("product_viewed", viewed)])


@bp.route("/cart")
def cart_page():
    return _page("shop/cart.html")


@bp.route("/cart", methods=["POST"])
def update_cart():
    """Add a product, or set its quantity (0 removes it); the whole cart goes to the helpdesk."""
    try:
        quantity = int(request.form.get("quantity", "1"))
    except ValueError:
        abort(400)
    sku = request.form.get("sku", "")
    session["cart"] = catalogue.with_quantity(session.get("cart"), sku, quantity, add=request.form.get("add") == "1")
    tracking.remember("cart_updated", _cart().as_event())
    return redirect(url_for("shop.cart_page"))


@bp.route("/checkout")
def checkout_page():
    """Checkout: tells the helpdesk it started; placing the order needs a signed-in customer."""
    cart = _cart()
    if not cart.lines:
        return redirect(url_for("shop.cart_page"))
    return _page("shop/checkout.html", events=[("checkout_started", cart.as_event())])


@bp.route("/checkout", methods=["POST"])
def place_order():
    """The fake "Place order": no payment, an order id, an empty cart, and order_placed for the helpdesk."""
    cart = _cart()
    if _customer() is None or not cart.lines:
        return redirect(url_for("shop.checkout_page"))
    order_id = f"DEMO-{secrets.token_hex(4).upper()}"
    placed = {**cart.as_event(), "order_id": order_id}
    session["cart"] = {}
    lines = [{"name": line.product.name, "quantity": line.quantity, "subtotal": str(line.subtotal)}
             for line in cart.lines]
    session["last_order"] = {"order_id": order_id, "total": placed["total"], "lines": lines}
    tracking.remember("order_placed", placed)
    tracking.remember("cart_updated", catalogue.cart_from({}).as_event())
    return redirect(url_for("shop.order_page", order_id=order_id))


@bp.route("/orders/<order_id>")
def order_page(order_id: str):
    """The confirmation of the order just placed (the demo keeps only the last one)."""
    order = session.get("last_order")
    if not order or order.get("order_id") != order_id:
        abort(404)
    return _page("shop/order.html", order=order)


@bp.route("/sign-in")
def sign_in_page():
    """A fake sign-in: pick one of the demo customers (no password)."""
    return _page("shop/sign_in.html", customers=catalogue.CUSTOMERS, next=_local(request.args.get("next")))


@bp.route("/sign-in", methods=["POST"])
def sign_in():
    person = catalogue.customer(request.form.get("customer_id")) or abort(400)
    session["customer_id"] = person.customer_id
    return redirect(_local(request.form.get("next")))


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out and empty the cart; the widget starts a new anonymous visitor on the next page."""
    session.pop("customer_id", None)
    session["cart"] = {}
    tracking.forget_visitor()
    return redirect(url_for("shop.catalogue_page"))
