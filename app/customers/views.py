"""Customer pages in the console: list, profile, live fragments, and the admin's export and erase."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.auth.access import admin_required, current_actor
from app.customers.forms import FLAG_LABELS, CustomerFilterForm, EraseForm, erase_phrase
from app.models import STAGES
from app.services import customer_overview, customer_privacy
from app.services.customers import queries

PAGE_SIZE = 50


@login_required
def index():
    """Customers, most recently seen first: filters, search and keyset pages of 50 (`after`)."""
    form = CustomerFilterForm(request.args)
    page = queries.list_customers(form.to_filter(), after=request.args.get("after") or None, limit=PAGE_SIZE)
    return render_template("customers/index.html", form=form, page=page, filters=form.query_args(),
                           after=request.args.get("after"))


@login_required
def show(customer_id: int):
    """One customer: stage, cart, orders, value, stage history and the journey map (live)."""
    return render_template("customers/show.html", overview=customer_overview.customer_overview(customer_id))


@login_required
def profile(customer_id: int):
    """The customer page's live regions without the layout, fetched again on `customer_updated`."""
    return render_template("customers/_profile.html", overview=customer_overview.customer_overview(customer_id))


@login_required
def panel(customer_id: int):
    """The condensed sidebar (an HTML fragment) that chat and tickets embed and refresh."""
    return render_template("customers/_panel.html", context=queries.customer_context(customer_id),
                           current_conversation_id=request.args.get("conversation", type=int),
                           current_ticket_id=request.args.get("ticket", type=int))


@admin_required
def export(customer_id: int):
    """Download everything stored about the customer as JSON (audit-logged)."""
    document = customer_privacy.export_customer(customer_id, by=current_actor())
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@admin_required
def erase(customer_id: int):
    """Confirm, then erase the customer and everything stored about them (audit-logged)."""
    customer = queries.get_customer(customer_id)
    form = EraseForm(expected=erase_phrase(customer))
    if form.validate_on_submit():
        customer_privacy.erase_customer(customer_id, by=current_actor())
        flash(f"Customer #{customer_id} erased: profile, events, cart and orders are deleted.", "success")
        return redirect(url_for("console_customers.index"))
    return render_template("customers/erase.html", customer=customer, form=form), 400 if form.errors else 200


def register(bp: Blueprint) -> None:
    """Add the customer pages to the customers blueprint, and the panel's labels to every template."""
    # The sidebar panel is embedded by other features' pages (chat, tickets): its labels are app-wide.
    bp.add_app_template_global(FLAG_LABELS, "customer_flag_labels")
    bp.add_app_template_global(STAGES, "customer_stages")
    bp.add_url_rule("", view_func=index)
    bp.add_url_rule("/<int:customer_id>", view_func=show)
    bp.add_url_rule("/<int:customer_id>/profile", view_func=profile)
    bp.add_url_rule("/<int:customer_id>/panel", view_func=panel)
    bp.add_url_rule("/<int:customer_id>/export.json", view_func=export)
    bp.add_url_rule("/<int:customer_id>/erase", view_func=erase, methods=["GET", "POST"])
