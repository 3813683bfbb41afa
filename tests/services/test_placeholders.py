"""Placeholders in canned responses: values, fallbacks, missing values, refusals, and text that stays text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.models import Agent, Cart, Customer, Order
from app.services.customers import placeholders
from app.services.errors import DomainError


def _values(**overrides) -> dict:
    customer = Customer(name="Lena Fischer", email="lena@example.com", stage="conversion", traits={})
    cart = Cart(items=[{"sku": "MUG-01"}], item_count=3, total=Decimal("1042.5"), currency="EUR",
                updated_at=datetime.now(UTC), event_id="e1")
    values = placeholders.values_for(
        customer=customer, cart=cart, last_order=Order(external_order_id="ord-1042"),
        agent=Agent(display_name="Bea Santos"), shop_name="Tea & Things",
    )
    return {**values, **overrides}


def test_every_placeholder_has_its_value():
    body = " | ".join("{{" + name + "}}" for name in placeholders.PLACEHOLDERS)
    rendered = placeholders.render(body, _values())
    assert rendered.text == ("Lena | Lena Fischer | lena@example.com | Conversion | 1,042.50 EUR | 3 | ord-1042 | "
                             "Bea | Bea Santos | Tea & Things")
    assert rendered.missing == ()


@pytest.mark.parametrize("body", [
    "Hi {{ customer.first_name }}!", "Hi {{customer.first_name  }}!", "Hi {{\tcustomer.first_name}}!",
    "Hi {{Customer.First_Name}}!", "Hi {{ customer.first_name | there }}!",
])
def test_spaces_and_case_inside_braces_are_tolerated(body):
    placeholders.check(body)
    assert placeholders.render(body, _values()).text == "Hi Lena!"


def test_fallback_is_used_only_when_the_value_is_missing():
    body = "Hi {{customer.first_name|there}}, welcome to {{ shop.name | our shop }}."
    assert placeholders.render(body, _values()).text == "Hi Lena, welcome to Tea & Things."
    rendered = placeholders.render(body, _values(**{"customer.first_name": None, "shop.name": "  "}))
    assert rendered.text == "Hi there, welcome to our shop." and rendered.missing == ()


@pytest.mark.parametrize(("body", "expected"), [
    ("Hi {{customer.first_name}}, welcome", "Hi, welcome"),
    ("Hi {{customer.first_name}} and welcome", "Hi and welcome"),
    ("{{customer.first_name}} hello", "hello"),
    ("Thanks {{customer.first_name}}!", "Thanks!"),
    ("Hi {{customer.first_name}} {{customer.name}}!", "Hi!"),
    ("Hello\n{{customer.name}} is here", "Hello\nis here"),
    ("Dear {{customer.first_name|}},", "Dear,"),
    ("Thanks, {{customer.first_name}}!", "Thanks!"),
    ("Anything else today, {{customer.first_name}}?", "Anything else today?"),
    ("Hi, {{customer.first_name}}, welcome", "Hi, welcome"),
    ("Hi, {{customer.first_name}} welcome", "Hi, welcome"),
    ("See you, {{customer.first_name}}\nBea", "See you\nBea"),
])
def test_a_missing_value_leaves_no_stray_spaces(body, expected):
    rendered = placeholders.render(body, _values(**{"customer.first_name": None, "customer.name": None}))
    assert rendered.text == expected
    assert set(rendered.missing) <= {"customer.first_name", "customer.name"} and rendered.missing


def test_an_empty_cart_has_no_total_so_the_fallback_applies():
    values = placeholders.values_for(customer=None, agent=None, last_order=None, shop_name=None,
                                     cart=Cart(items=[], item_count=0, total=Decimal("0"), currency="EUR"))
    assert values["cart.total"] is None and values["cart.item_count"] is None
    assert placeholders.render("Your cart: {{cart.total|empty}}.", values).text == "Your cart: empty."


def test_first_name_prefers_the_shops_trait_over_the_first_word_of_the_name():
    customer = Customer(name="Dr. Ann Lee", traits={"first_name": "Ann"})
    values = placeholders.values_for(customer=customer, cart=None, last_order=None, agent=None, shop_name=None)
    assert values["customer.first_name"] == "Ann"


@pytest.mark.parametrize("body", [
    "{{customer.age}}", "{{ 7*7 }}", "{{config}}", "{{ config.items() }}", "{{customer.first_name|a|b}}",
    "{{customer.first_name|line\nbreak}}", "{{ customer . name }}", "{{}}",
])
def test_unknown_placeholders_are_refused_with_the_known_ones_listed(body):
    with pytest.raises(DomainError) as error:
        placeholders.check("Hello " + body)
    assert error.value.field == "body"
    assert "Unknown placeholder" in error.value.message
    assert "{{customer.first_name}}" in error.value.message and "{{shop.name}}" in error.value.message


@pytest.mark.parametrize("body", ["Hi {{customer.first_name}", "Hi {customer.first_name}}", "Hi {{ there"])
def test_unclosed_braces_are_refused(body):
    with pytest.raises(DomainError, match="not closed"):
        placeholders.check(body)


def test_unknown_placeholders_render_as_typed_never_evaluated():
    body = "{{ 7*7 }} {{ config.SECRET_KEY }} {{ self.__init__ }}"
    assert placeholders.render(body, _values()).text == body


def test_html_and_placeholder_lookalikes_in_values_stay_plain_text():
    values = _values(**{"customer.name": "<img src=x onerror=alert(1)>", "customer.first_name": "{{agent.name}}"})
    rendered = placeholders.render("<b>{{customer.name}}</b> {{customer.first_name}}", values)
    # Inserted as typed, once: escaping is the job of whatever shows the text, and a value is never re-read.
    assert rendered.text == "<b><img src=x onerror=alert(1)></b> {{agent.name}}"


@pytest.mark.parametrize(("amount", "currency"), [(Decimal("42.5"), "EUR"), (Decimal("1234567.891"), "USD"),
                                                  (Decimal("0"), None)])
def test_money_reads_as_in_the_customer_panel(app, amount, currency):
    macro = app.jinja_env.get_template("customers/_macros.html").module.money
    assert placeholders.money(amount, currency) == str(macro(amount, currency)).strip()
