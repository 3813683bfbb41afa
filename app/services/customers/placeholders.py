"""Placeholders in canned responses (`{{customer.first_name|there}}`): checked on save, filled on use.

A small regex does the work and values are inserted as plain text. Never a template engine on
user text: Jinja or str.format on a body an agent typed would be server-side template injection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.models import Agent, Cart, Customer, Order
from app.services.errors import DomainError

# Name -> what it is, in the order the settings page lists them.
PLACEHOLDERS: dict[str, str] = {
    "customer.first_name": "Customer's first name",
    "customer.name": "Customer's full name",
    "customer.email": "Customer's email address",
    "customer.stage": "Lifecycle stage, such as Conversion",
    "cart.total": "Cart total with currency, such as 42.50 EUR",
    "cart.item_count": "Number of items in the cart",
    "order.last_number": "Number of the latest order",
    "agent.first_name": "First name of the agent who inserts it",
    "agent.name": "Full name of the agent who inserts it",
    "shop.name": "Your shop's name",
}

# Anything between double braces is meant as a placeholder; what is inside is checked apart.
TOKEN = re.compile(r"\{\{([^{}]*)\}\}")
# name, optional `|fallback`; spaces around either are allowed ({{ cart.total | soon }}).
INNER = re.compile(r"\s*([A-Za-z_]+\.[A-Za-z_]+)\s*(?:\|([^|\n]*))?", re.ASCII)
# A run of spaces (and a comma before it) around dropped values, marked by NUL, which no stored text holds.
GAP = re.compile(r"(,?)[ \t]*(?:\0[ \t]*)+")
STOPS = "\n,.!?;:)"


@dataclass(frozen=True)
class Rendered:
    """A body with its placeholders filled; `missing` names those that had no value and no fallback."""

    text: str
    missing: tuple[str, ...] = ()


def _parse(inner: str) -> tuple[str, str | None] | None:
    """(name, fallback) of a known placeholder, or None."""
    match = INNER.fullmatch(inner)
    if match is None or match.group(1).lower() not in PLACEHOLDERS:
        return None
    fallback = match.group(2)
    return match.group(1).lower(), None if fallback is None else fallback.strip()


def known_list() -> str:
    return ", ".join("{{" + name + "}}" for name in PLACEHOLDERS)


def check(body: str) -> None:
    """Refuse (DomainError on `body`) unknown placeholders and stray braces, naming the known ones."""
    unknown = list(dict.fromkeys(m.group(0) for m in TOKEN.finditer(body) if _parse(m.group(1)) is None))
    if unknown:
        raise DomainError(f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
                          f"Use one of: {known_list()} (a fallback goes after a bar: "
                          "{{customer.first_name|there}}).", field="body")
    leftover = TOKEN.sub("", body)
    if "{{" in leftover or "}}" in leftover:
        raise DomainError("A placeholder is not closed: write it as {{customer.first_name}}, "
                          "with two braces on each side.", field="body")


def render(body: str, values: Mapping[str, str | None]) -> Rendered:
    """Fill each known placeholder with its value, else its fallback; leave unknown ones as typed.

    A value that is missing and has no fallback becomes nothing, and the spaces around it close up
    ("Hi {{customer.first_name}}, …" → "Hi, …"). One pass: a value that itself looks like a
    placeholder (a customer named "{{agent.name}}") stays as it is.
    """
    missing: list[str] = []

    def fill(match: re.Match) -> str:
        parsed = _parse(match.group(1))
        if parsed is None:
            return match.group(0)
        name, fallback = parsed
        value = (values.get(name) or "").replace("\0", "").strip()
        if value:
            return value
        if fallback:
            return fallback
        missing.append(name)
        return "\0"

    text = TOKEN.sub(fill, body.replace("\0", ""))
    return Rendered(text=_close_gaps(text), missing=tuple(dict.fromkeys(missing)))


def _close_gaps(text: str) -> str:
    """Drop the markers of missing values with the spaces around them: one space stays between two
    words, none at the start of a line or before punctuation, where a comma before goes too
    ("Thanks, {{customer.first_name}}!" → "Thanks!")."""

    def close(match: re.Match) -> str:
        start, end = match.span()
        if start == 0 or text[start - 1] == "\n" or end == len(text) or text[end] in STOPS:
            return ""
        spaced = match.group(0).replace("\0", "").strip(",") != ""
        return match.group(1) + (" " if spaced else "")

    return GAP.sub(close, text)


def money(amount, currency: str | None) -> str:
    """An amount as the customer panel shows it (the `money` macro in customers/_macros.html): 1,234.50 EUR."""
    return f"{float(amount):,.2f}" + (f" {currency}" if currency else "")


def _first_word(text: str | None) -> str | None:
    words = (text or "").split()
    return words[0] if words else None


def values_for(*, customer: Customer | None, cart: Cart | None, last_order: Order | None,
               agent: Agent | None, shop_name: str | None) -> dict[str, str | None]:
    """Every placeholder's value for this customer and agent (None where there is none). An
    empty cart has no total or count, so that a fallback applies."""
    traits = (customer.traits or {}) if customer else {}
    first = traits.get("first_name") if isinstance(traits.get("first_name"), str) else None
    has_cart = cart is not None and bool(cart.items)
    return {
        "customer.first_name": (first or _first_word(customer.name)) if customer else None,
        "customer.name": customer.name if customer else None,
        "customer.email": customer.email if customer else None,
        "customer.stage": ((customer.stage or "").capitalize() or None) if customer else None,
        "cart.total": money(cart.total, cart.currency) if has_cart else None,
        "cart.item_count": str(cart.item_count) if has_cart else None,
        "order.last_number": last_order.external_order_id if last_order else None,
        "agent.first_name": _first_word(agent.display_name) if agent else None,
        "agent.name": agent.display_name if agent else None,
        "shop.name": shop_name,
    }
