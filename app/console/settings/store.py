"""Settings › Store: connect a Shopify store or a WooCommerce site, see the webhook URL to paste
into the platform, check the connection, and watch its health (deliveries accepted, repeated,
refused and ignored, the last refusals' reasons)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.auth.access import admin_required, current_actor
from app.services.errors import DomainError
from app.services.stores import backfill, clients, connections, order_actions, shopify

# What to subscribe to at the platform, shown beside the webhook URL.
TOPICS = {
    "shopify": sorted(shopify.TOPICS - shopify.PRIVACY_TOPICS),
    "woocommerce": ["order.created", "order.updated", "order.deleted", "customer.created", "customer.updated",
                    "customer.deleted"],
}


class StoreForm(FlaskForm):
    platform = RadioField("Platform", choices=[SelectChoice("shopify", "Shopify"),
                                               SelectChoice("woocommerce", "WooCommerce")], default="shopify",
                          validators=[InputRequired("Choose the platform.")])
    shop = StringField("Store address", validators=[InputRequired("Enter the store's address."), Length(max=255)],
                       description="Shopify: your-store.myshopify.com. WooCommerce: the site's address, "
                                   "https://shop.example.com.")
    webhook_secret = PasswordField("Webhook signing secret", validators=[Length(max=255)], description=(
        "Shopify: Settings › Notifications › Webhooks shows it. WooCommerce: the secret you give each webhook. "
        "Leave it empty to keep the one saved."))
    access_token = PasswordField("Admin API access token (Shopify)", validators=[Optional(), Length(max=255)],
                                 description="From the custom app you create under Settings › Apps. Needed to "
                                             "import history and act on orders.")
    consumer_key = PasswordField("Consumer key (WooCommerce)", validators=[Optional(), Length(max=255)])
    consumer_secret = PasswordField("Consumer secret (WooCommerce)", validators=[Optional(), Length(max=255)],
                                    description="WooCommerce › Settings › Advanced › REST API, with read and "
                                                "write access.")
    api_url = StringField("API address", validators=[Optional(), Length(max=2048)],
                          description="Only to reach the store's API somewhere other than its own address "
                                      "(a test store).")


class OrderPolicyForm(FlaskForm):
    agents_refund = BooleanField("Agents may refund orders")
    agent_refund_limit = DecimalField("Largest refund an agent may make", places=2, validators=[
        InputRequired("Enter an amount."), NumberRange(0, 1_000_000)],
        description="In the order's currency, before tax. Admins may refund any amount.")
    agents_cancel = BooleanField("Agents may cancel orders")


def _page(form: StoreForm, status: int = 200, policy_form: OrderPolicyForm | None = None):
    items = [(c, connections.webhook_url(c.platform)) for c in connections.all_connections()]
    policy = order_actions.policy()
    policy_form = policy_form or OrderPolicyForm(data=policy.__dict__)
    return render_template("console/settings/store.html", form=form, connections=items, topics=TOPICS,
                           platform_names=connections.PLATFORM_NAMES, policy_form=policy_form), status


@admin_required
def save_order_policy():
    """What agents may do with orders from the console (admins may do anything)."""
    form = OrderPolicyForm()
    if not form.validate_on_submit():
        return _page(StoreForm(formdata=None), 400, form)
    order_actions.save_policy(form.agents_refund.data, form.agent_refund_limit.data, form.agents_cancel.data,
                              by=current_actor())
    flash("Order actions saved.", "success")
    return redirect(url_for("console.store_settings"))


@admin_required
def store_page():
    return _page(StoreForm())


@admin_required
def connect_store():
    """Connect a store, or update a connected one's credentials (empty secrets keep the saved ones)."""
    form = StoreForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    existing = connections.find(form.platform.data, form.shop.data)
    secret = form.webhook_secret.data or (connections.secrets(existing).webhook[0] if existing else "")
    try:
        connection = connections.connect(
            form.platform.data, shop=form.shop.data, webhook_secret=secret, access_token=form.access_token.data,
            consumer_key=form.consumer_key.data, consumer_secret=form.consumer_secret.data,
            api_url=form.api_url.data if form.api_url.data else None, by=current_actor())
    except DomainError as exc:
        target = getattr(form, exc.field, None) if exc.field else None
        target = target if target is not None else form.shop
        target.errors = [*target.errors, exc.message]
        return _page(form, 400)
    message = (f"{connections.PLATFORM_NAMES[connection.platform]} store {connection.shop} connected. "
               "Paste the webhook URL into the store's webhook settings.")
    if not (connection.backfill or {}).get("status"):
        try:  # a first connection with API credentials imports the store's history at once
            backfill.start(connection.id)
            message += " Its history is being imported."
        except DomainError:
            pass  # webhooks only, until API credentials are added
    flash(message, "success")
    return redirect(url_for("console.store_settings"))


@admin_required
def import_store(connection_id: int):
    """Import (or resume importing) the store's customers and orders of the chosen months."""
    try:
        months = int(request.form.get("months") or 0) or None
        backfill.start(connection_id, months=months)
    except (ValueError, DomainError) as exc:
        flash(getattr(exc, "message", "Enter a number of months."), "error")
    else:
        flash("Import started: progress shows below.", "success")
    return redirect(url_for("console.store_settings"))


@admin_required
def check_store(connection_id: int):
    result = clients.check(connection_id)
    flash(result["message"], "success" if result["ok"] else "error")
    return redirect(url_for("console.store_settings"))


@admin_required
def disconnect_store(connection_id: int):
    connections.disconnect(connection_id, by=current_actor())
    flash("Store disconnected: its webhooks are refused from now on. What it sent stays.", "success")
    return redirect(url_for("console.store_settings"))


def register(bp: Blueprint) -> None:
    """Add Settings › Store to the console blueprint."""
    bp.add_url_rule("/settings/store", endpoint="store_settings", view_func=store_page, methods=["GET"])
    bp.add_url_rule("/settings/store", endpoint="connect_store", view_func=connect_store, methods=["POST"])
    bp.add_url_rule("/settings/store/order-actions", endpoint="save_order_policy", view_func=save_order_policy,
                    methods=["POST"])
    bp.add_url_rule("/settings/store/<int:connection_id>/check", endpoint="check_store", view_func=check_store,
                    methods=["POST"])
    bp.add_url_rule("/settings/store/<int:connection_id>/import", endpoint="import_store", view_func=import_store,
                    methods=["POST"])
    bp.add_url_rule("/settings/store/<int:connection_id>/disconnect", endpoint="disconnect_store",
                    view_func=disconnect_store, methods=["POST"])
