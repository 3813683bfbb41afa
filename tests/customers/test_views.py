"""Customer pages over HTTP: who may open what, filters and keyset pages, export, erase, escaping."""

from __future__ import annotations

import json
import re

import pytest

from app.extensions import db
from app.models import AuditEvent, Customer
from app.services.shop_events.ingestion import ingest_events
from tests.factories import make_customer
from tests.support.shop_events import MUG, TEA, cart_updated, event

XSS = "<img src=x onerror=alert(1)>"
VIEW_PATHS = ["/console/customers", "/console/customers/{id}", "/console/customers/{id}/panel",
              "/console/customers/{id}/profile"]
ADMIN_PATHS = ["/console/customers/{id}/export.json", "/console/customers/{id}/erase"]


@pytest.fixture
def customer(app):
    return make_customer("c-100", name="Ann Lee", email="ann@example.com", cart=(MUG, TEA), orders=1)


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-customer-row="(\d+)"', html)]


@pytest.mark.parametrize("path", VIEW_PATHS + ADMIN_PATHS)
def test_anonymous_is_sent_to_sign_in(client, customer, path):
    response = client.get(path.format(id=customer.id))
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["agent", "admin"])
@pytest.mark.parametrize("path", VIEW_PATHS)
def test_every_agent_sees_customers(make_agent, auth, customer, role, path):
    auth.login(make_agent(role).email)
    response = auth.client.get(path.format(id=customer.id))
    assert response.status_code == 200
    assert "Ann Lee" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_agents_cannot_export_or_erase(make_agent, auth, post_form, customer, path):
    auth.login(make_agent("agent").email)
    assert auth.client.get(path.format(id=customer.id)).status_code == 403
    erase = post_form(f"/console/customers/{customer.id}/erase", {"confirmation": "ann@example.com"})
    assert erase.status_code == 403
    assert db.session.get(Customer, customer.id).erased_at is None


def test_unknown_customer_is_404(make_agent, auth):
    auth.login(make_agent().email)
    for path in ("/console/customers/999", "/console/customers/999/panel", "/console/customers/999/profile"):
        assert auth.client.get(path).status_code == 404


def test_navigation_lists_customers_and_marks_it_on_a_customer_page(make_agent, auth, customer):
    auth.login(make_agent().email)
    html = auth.client.get(f"/console/customers/{customer.id}").get_data(as_text=True)
    active = '<a class="nav__link is-active" href="/console/customers" aria-current="page">Customers</a>'
    assert active in html


def test_customer_page_shows_stage_cart_orders_value_and_journey(make_agent, auth, customer):
    auth.login(make_agent().email)
    html = auth.client.get(f"/console/customers/{customer.id}").get_data(as_text=True)
    assert re.search(r'stepper__step--conversion is-current" aria-current="step"', html)
    assert html.count('aria-current="step"') == 1
    assert "inside the 30-day window → conversion" in html
    assert "Blue enamel mug" in html and "33.90 EUR" in html  # cart: 2 × 12.50 + 8.90 = 33.90
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"[^>]*data-relative>', html)
    assert "c-100-order-1" in html
    assert "google / cpc · spring-tea" in html  # lead source
    assert "timeline__item--stage" in html and "timeline__item--origin" in html
    assert 'src="/static/js/customers.js"' in html
    assert f'data-customer-live="/console/customers/{customer.id}/profile"' in html


def test_panel_is_a_fragment_that_refreshes_itself(make_agent, auth, customer):
    auth.login(make_agent().email)
    html = auth.client.get(f"/console/customers/{customer.id}/panel").get_data(as_text=True)
    assert "<html" not in html and "shell__nav" not in html
    assert f'data-customer-live="/console/customers/{customer.id}/panel"' in html
    assert f'id="customer-panel-{customer.id}" data-live-region' in html
    assert 'aria-current="step"' in html and "33.90 EUR" in html


def test_admin_sees_privacy_actions_agents_do_not(make_agent, auth, customer):
    auth.login(make_agent("agent").email)
    assert "Erase customer" not in auth.client.get(f"/console/customers/{customer.id}").get_data(as_text=True)
    auth.logout()
    auth.login(make_agent("admin").email)
    assert "Erase customer" in auth.client.get(f"/console/customers/{customer.id}").get_data(as_text=True)


def test_admin_exports_a_customer_as_an_audited_attachment(admin, client, customer):
    response = client.get(f"/console/customers/{customer.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="customer-{customer.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.data)
    assert document["email"] == "ann@example.com" and len(document["events"]) == 5
    audit = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer.exported"))
    assert (audit.actor_id, audit.target_id) == (admin.id, customer.id)


def test_admin_erases_after_typing_the_email(admin, client, post_form, customer):
    page = f"/console/customers/{customer.id}/erase"
    confirm = client.get(page).get_data(as_text=True)
    assert "Type \u201cann@example.com\u201d to confirm." in confirm

    wrong = post_form(page, {"confirmation": "someone@example.com"}, page=page)
    assert wrong.status_code == 400 and "Nothing was erased." in wrong.get_data(as_text=True)
    assert db.session.get(Customer, customer.id).erased_at is None

    done = post_form(page, {"confirmation": " Ann@Example.com "}, page=page)
    assert done.status_code == 302 and done.headers["Location"].endswith("/console/customers")
    listing = client.get("/console/customers").get_data(as_text=True)
    assert f"Customer #{customer.id} erased" in listing and "Ann Lee" not in listing
    assert client.get(f"/console/customers/{customer.id}").status_code == 404
    audit = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "customer.erased"))
    assert (audit.actor_id, audit.target_id) == (admin.id, customer.id)


def test_erase_needs_the_csrf_token(admin, client, customer):
    response = client.post(f"/console/customers/{customer.id}/erase", data={"confirmation": "ann@example.com"})
    assert response.status_code == 400
    assert db.session.get(Customer, customer.id).erased_at is None


def test_customer_without_email_is_confirmed_by_number(admin, client, post_form, app):
    ingest_events([cart_updated("c-no-email", MUG)])
    customer = db.session.scalar(db.select(Customer).where(Customer.external_id == "c-no-email"))
    page = f"/console/customers/{customer.id}/erase"
    assert f"Type \u201c{customer.id}\u201d to confirm." in client.get(page).get_data(as_text=True)
    assert post_form(page, {"confirmation": str(customer.id)}, page=page).status_code == 302


# --- The list: filters, search, keyset pages ------------------------------------------------


def _many_customers(count: int) -> None:
    """count identified customers, each seen a minute apart (one batch, one commit)."""
    events = [event("identify", customer_id=f"bulk-{n:03d}", minutes_ago=count - n, email=f"bulk{n}@example.com",
                    name=f"Bulk Customer {n:03d}") for n in range(count)]
    assert ingest_events(events).accepted == count


def test_keyset_pages_of_fifty_cover_every_customer_once(make_agent, auth, app):
    _many_customers(55)
    auth.login(make_agent().email)
    first = auth.client.get("/console/customers").get_data(as_text=True)
    assert len(_rows(first)) == 50 and "Next page" in first
    assert "Bulk Customer 054" in first  # most recently seen first
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = auth.client.get(next_url).get_data(as_text=True)
    assert len(_rows(second)) == 5 and "Next page" not in second and "First page" in second
    assert set(_rows(first)).isdisjoint(_rows(second))
    assert len(set(_rows(first)) | set(_rows(second))) == 55


def test_next_page_keeps_the_filters(make_agent, auth, app):
    _many_customers(52)
    auth.login(make_agent().email)
    first = auth.client.get("/console/customers?stage=acquisition&q=bulk").get_data(as_text=True)
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    assert "stage=acquisition" in next_url and "q=bulk" in next_url


@pytest.mark.parametrize("query,expected", [
    ("stage=conversion", {"c-buyer"}),
    ("stage=acquisition", {"c-lead", "c-cart"}),
    ("segment=new_customer", {"c-buyer"}),
    ("segment=lead", {"c-lead", "c-cart"}),
    ("flag=vip", set()),
    ("q=ZO", {"c-cart"}),
    ("q=LEAD%40example.com", {"c-lead"}),
    ("stage=nonsense&flag=nope", {"c-buyer", "c-lead", "c-cart"}),  # not a choice: ignored
])
def test_filters_and_search(make_agent, auth, app, query, expected):
    make_customer("c-buyer", name="Bo Buyer", orders=1)
    make_customer("c-lead", name="Lee Lead", email="lead@example.com")
    make_customer("c-cart", name="Zoë Cart", cart=(MUG,))
    ids = {c.id: c.external_id for c in db.session.scalars(db.select(Customer))}
    auth.login(make_agent().email)
    html = auth.client.get(f"/console/customers?{query}").get_data(as_text=True)
    assert {ids[n] for n in _rows(html)} == expected
    if not expected:
        assert "No customers match these filters." in html


def test_empty_list_invites_admins_to_connect_the_shop(admin, client):
    html = client.get("/console/customers").get_data(as_text=True)
    assert "No customers yet." in html and 'href="/console/settings/api-keys"' in html


def test_a_broken_cursor_is_a_400(make_agent, auth):
    auth.login(make_agent().email)
    assert auth.client.get("/console/customers?after=garbage").status_code == 400


# --- Escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VIEW_PATHS)
def test_markup_in_customer_data_is_escaped(make_agent, auth, app, path):
    customer = make_customer("c-xss", name=XSS, email="xss@example.com", cart=(("SKU-X", XSS, 1, "1.00"),))
    auth.login(make_agent().email)
    html = auth.client.get(path.format(id=customer.id)).get_data(as_text=True)
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
