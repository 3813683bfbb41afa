"""An order's actions in the console (refund in full or by line, cancel, resend the
confirmation), reached from the customer sidebar of a chat or ticket: choose, review exactly
what will happen, confirm. The confirmation carries an idempotency key, so a double click acts once."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.auth.access import current_actor
from app.extensions import db
from app.models import Order
from app.services.errors import DomainError
from app.services.stores import order_actions


def _origin() -> tuple[str, int] | None:
    """Where the agent came from (a conversation or ticket), for the note and the way back."""
    for kind in ("conversation", "ticket"):
        value = request.values.get(kind, type=int)
        if value:
            return kind, value
    return None


def _back(customer_id: int):
    origin = _origin()
    if origin and origin[0] == "conversation":
        return url_for("inbox.show", conversation_id=origin[1])
    if origin:
        return url_for("tickets.show", ticket_id=origin[1])
    return url_for("console_customers.show", customer_id=customer_id)


def _order(customer_id: int, order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or order.customer_id != customer_id or order.placed_at is None:
        abort(404)
    return order


def _quantities() -> dict[int, int]:
    chosen = {}
    for name, value in request.form.items():
        if name.startswith("qty-") and value.strip():
            try:
                chosen[int(name.removeprefix("qty-"))] = int(value)
            except ValueError:
                raise DomainError("Enter whole numbers of items to refund.", field="lines") from None
    return chosen


@login_required
def actions(customer_id: int, order_id: int):
    """The order with what can be done to it."""
    order = _order(customer_id, order_id)
    connection = order_actions.connection_for(order)
    return render_template("customers/order_actions.html", order=order, connection=connection,
                           origin=_origin(), back=_back(customer_id), policy=order_actions.policy())


@login_required
def review(customer_id: int, order_id: int):
    """The confirmation: exactly what will happen, and the button that does it."""
    order = _order(customer_id, order_id)
    action = request.form.get("action", "")
    quantities = _quantities() if request.form.get("scope") == "lines" else None
    try:
        if request.form.get("scope") == "lines" and not any(quantities.values()):
            raise DomainError("Choose how many of which items to refund.", field="lines")
        plan = order_actions.plan(order.id, action, quantities, agent=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return render_template("customers/order_actions.html", order=order,
                               connection=order_actions.connection_for(order), origin=_origin(),
                               back=_back(customer_id), policy=order_actions.policy()), exc.status
    return render_template("customers/order_confirm.html", plan=plan, quantities=quantities or {},
                           key=uuid.uuid4().hex, origin=_origin(), back=_back(customer_id))


@login_required
def confirm(customer_id: int, order_id: int):
    """Do it (once for the form's key), then go back to the chat or ticket with the outcome."""
    order = _order(customer_id, order_id)
    try:
        quantities = _quantities()
        plan = order_actions.plan(order.id, request.form.get("action", ""), quantities or None, agent=current_user)
        done = order_actions.perform(plan, idempotency_key=request.form.get("key", ""), agent=current_user,
                                     by=current_actor(), note_on=_origin())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("console_customers.order_actions", customer_id=customer_id, order_id=order_id,
                                **dict([_origin()] if _origin() else [])))
    if done.status == "done":
        flash(done.message or "Done.", "success")
    elif done.status == "failed":
        flash(f"The store refused: {done.message}", "error")
    else:
        flash("This action is already under way.", "info")
    return redirect(_back(customer_id))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/<int:customer_id>/orders/<int:order_id>", endpoint="order_actions", view_func=actions)
    bp.add_url_rule("/<int:customer_id>/orders/<int:order_id>/review", endpoint="review_order_action",
                    view_func=review, methods=["POST"])
    bp.add_url_rule("/<int:customer_id>/orders/<int:order_id>/confirm", endpoint="confirm_order_action",
                    view_func=confirm, methods=["POST"])
