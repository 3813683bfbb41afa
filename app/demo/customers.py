"""The demo shop's customers, sent through the same event path as a real shop's, so that every
stage, flag and segment appears in the demo. Event ids are fixed: seeding twice adds nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

PRODUCTS = {
    "MUG-01": ("Stoneware mug", "14.50"),
    "TEA-02": ("Sencha green tea, 100 g", "9.90"),
    "POT-03": ("Cast-iron teapot", "59.00"),
    "KET-04": ("Gooseneck kettle", "79.00"),
    "SET-05": ("Matcha starter set", "42.00"),
}


def _line(sku: str, quantity: int = 1) -> dict:
    name, price = PRODUCTS[sku]
    return {"sku": sku, "name": name, "quantity": quantity, "unit_price": price}


def _total(lines: list[dict]) -> str:
    return f"{sum(float(line['unit_price']) * line['quantity'] for line in lines):.2f}"


class _Script:
    """Builds one demo person's events with stable ids, relative to `now`."""

    def __init__(self, key: str, now: datetime, *, customer: str | None = None, anonymous: str | None = None):
        self.key, self.now, self.customer, self.anonymous = key, now, customer, anonymous
        self.events: list[dict] = []

    def add(self, kind: str, days_ago: float, properties: dict | None = None, **who) -> _Script:
        event = {
            "id": f"demo-{self.key}-{len(self.events) + 1}", "type": kind,
            "timestamp": (self.now - timedelta(days=days_ago)).isoformat(), "properties": properties or {},
        }
        customer, anonymous = who.get("customer", self.customer), who.get("anonymous", self.anonymous)
        if customer:
            event["customer_id"] = customer
        if anonymous:
            event["anonymous_id"] = anonymous
        self.events.append(event)
        return self

    def visit(self, days_ago: float, path: str = "/", title: str = "Demo Tea Shop", **utm) -> _Script:
        return self.add("page_viewed", days_ago, {"url": f"https://demo.shop{path}", "title": title, **utm})

    def identify(self, days_ago: float, name: str, email: str, **who) -> _Script:
        return self.add("identify", days_ago, {"name": name, "email": email}, **who)

    def cart(self, days_ago: float, *lines: dict) -> _Script:
        props = {"items": list(lines), "currency": "EUR", "total": _total(list(lines))}
        return self.add("cart_updated", days_ago, props)

    def order(self, days_ago: float, order_id: str, *lines: dict) -> _Script:
        props = {"order_id": order_id, "items": list(lines), "currency": "EUR", "total": _total(list(lines))}
        return self.add("order_placed", days_ago, props)


def _buyer(key: str, name: str, now: datetime, orders: list[tuple[float, list[dict]]]) -> _Script:
    script = _Script(key, now, customer=f"cust-{key}")
    first = max(days for days, _ in orders)
    script.identify(first + 1, name, f"{key}@example.com")
    for number, (days, lines) in enumerate(sorted(orders, key=lambda o: -o[0]), start=1):
        script.order(days, f"ord-{key}-{number}", *lines)
    return script


def demo_events(now: datetime) -> list[dict]:
    """Every demo person's events, in the order a shop would have sent them."""
    m, t, p, k, s = (_line("MUG-01"), _line("TEA-02"), _line("POT-03"), _line("KET-04"), _line("SET-05"))
    scripts = [
        _Script("visitor", now, anonymous="anon-visitor").visit(0.02, utm_source="google", utm_medium="cpc")
        .visit(0.01, "/products/POT-03", "Cast-iron teapot"),
        _Script("hotlead", now, anonymous="anon-hotlead").visit(0.3, utm_source="instagram")
        .add("product_viewed", 0.2, {"sku": "KET-04", "name": "Gooseneck kettle"})
        .cart(0.01, k, _line("TEA-02", 2)).add("checkout_started", 0.005),
        _Script("registered", now, customer="cust-registered").identify(3, "Noor Haddad", "noor@example.com")
        .add("signed_up", 3),
        _buyer("newbuyer", "Lena Fischer", now, [(4, [p, t])]).cart(0.05, m),
        _buyer("afterwindow", "Tom Baker", now, [(45, [s])]),
        _buyer("repeat", "Priya Nair", now, [(50, [t]), (12, [m, t])]),
        _buyer("loyal", "Marta Silva", now,
               [(300, [k]), (200, [p]), (120, [s, t]), (60, [k, p, s]), (14, [p, s, k])]),
        _buyer("atrisk", "Sam O'Neill", now, [(110, [t]), (90, [t]), (70, [t])]),
        _buyer("churned", "Jonas Berg", now, [(400, [p]), (240, [m])]),
        _buyer("reactivated", "Aisha Bello", now, [(420, [t]), (6, [s])]),
        _buyer("promoter", "Kenji Sato", now, [(20, [m])]).add("nps_submitted", 10, {"score": 10}),
        _buyer("referrer", "Eva Novak", now, [(25, [t])])
        .add("referral_made", 5, {"referred_email": "friend@example.com"}),
    ]
    return [event for script in scripts for event in script.events]
