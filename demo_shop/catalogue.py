"""The demo shop's products, customers and cart arithmetic: plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CURRENCY = "EUR"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    summary: str
    swatch: str  # a CSS modifier: the product's colour block instead of a photo


@dataclass(frozen=True)
class DemoCustomer:
    """A customer of the shop, as the shop's own database would know them."""

    customer_id: str
    name: str
    email: str


PRODUCTS = (
    Product("TEA-SENCHA", "Sencha green tea, 100 g", Decimal("8.50"),
            "Bright and grassy, from Shizuoka. Steep at 70 °C for two minutes.", "green"),
    Product("TEA-ASSAM", "Assam breakfast tea, 250 g", Decimal("11.90"),
            "Malty and strong: takes milk well. Steep at 95 °C for four minutes.", "amber"),
    Product("MUG-STONE", "Stoneware mug, 300 ml", Decimal("14.00"),
            "Hand-glazed, dishwasher safe, comfortable in both hands.", "slate"),
    Product("POT-GLASS", "Glass teapot with infuser, 1 l", Decimal("32.00"),
            "Borosilicate glass and a fine steel infuser: watch the leaves open.", "sky"),
    Product("KIT-STARTER", "Tea starter kit", Decimal("45.00"),
            "Four teas, a strainer and a tasting card: a gift that starts a habit.", "rose"),
)

CUSTOMERS = (
    DemoCustomer("cust-1001", "Mia Jensen", "mia.jensen@example.com"),
    DemoCustomer("cust-1002", "Omar Haddad", "omar.haddad@example.com"),
    DemoCustomer("cust-1003", "Lena Kowalski", "lena.kowalski@example.com"),
)

_PRODUCTS = {p.sku: p for p in PRODUCTS}
_CUSTOMERS = {c.customer_id: c for c in CUSTOMERS}
MAX_QUANTITY = 20


def product(sku: str) -> Product | None:
    return _PRODUCTS.get(sku)


def customer(customer_id: str | None) -> DemoCustomer | None:
    return _CUSTOMERS.get(customer_id or "")


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass(frozen=True)
class Cart:
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    def as_event(self) -> dict:
        """The whole cart as the helpdesk's cart_updated / order_placed properties expect it."""
        items = [
            {"sku": line.product.sku, "name": line.product.name, "quantity": line.quantity,
             "unit_price": str(line.product.price)}
            for line in self.lines
        ]
        return {"items": items, "currency": CURRENCY, "total": str(self.total)}


def cart_from(stored: dict | None) -> Cart:
    """The cart from the session's {sku: quantity}; unknown products and bad quantities are dropped."""
    lines = []
    for sku, quantity in (stored or {}).items():
        item = product(sku)
        if item is not None and isinstance(quantity, int) and 0 < quantity <= MAX_QUANTITY:
            lines.append(Line(item, quantity))
    return Cart(tuple(lines))


def with_quantity(stored: dict | None, sku: str, quantity: int, *, add: bool) -> dict:
    """The session's cart after adding `quantity` of a product, or setting it (0 removes it)."""
    cart = dict(stored or {})
    if product(sku) is None:
        return cart
    new = (cart.get(sku, 0) + quantity) if add else quantity
    new = max(0, min(new, MAX_QUANTITY))
    if new:
        cart[sku] = new
    else:
        cart.pop(sku, None)
    return cart
