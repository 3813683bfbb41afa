"""The fake Shopify's records: orders and customers in the REST (webhook) shape turned into the
GraphQL Admin API's shape, and a large order history generated from the index of each order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

GENERATED_ORDER_BASE = 5_000_000_000
GENERATED_CUSTOMER_BASE = 7_000_000_000
GENERATED_CUSTOMERS = 5_000
PRODUCTS = [("TEA-SENCHA", "Sencha 100 g", "8.50"), ("TEA-ASSAM", "Assam 250 g", "12.00"),
            ("POT-CAST", "Cast iron teapot", "49.00")]


def gid(kind: str, ident) -> str:
    return f"gid://shopify/{kind}/{ident}"


def numeric(value) -> int | None:
    tail = str(value or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def utc(value: str | None) -> str | None:
    """A webhook time ("2026-11-20T10:15:30-05:00") as the GraphQL API writes it ("...15:15:30Z")."""
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bag(amount, currency: str | None) -> dict:
    money = {"amount": str(amount), "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def customer_node(customer: dict | None) -> dict | None:
    if not customer:
        return None
    return {"id": gid("Customer", customer["id"]), "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"), "state": (customer.get("state") or "disabled").upper(),
            "createdAt": utc(customer.get("created_at")), "updatedAt": utc(customer.get("updated_at")),
            "defaultEmailAddress": {"emailAddress": customer["email"]} if customer.get("email") else None,
            "defaultPhoneNumber": {"phoneNumber": customer["phone"]} if customer.get("phone") else None}


def line_node(line: dict, currency: str) -> dict:
    return {"id": gid("LineItem", line["id"]), "sku": line.get("sku"), "title": line.get("title"),
            "quantity": line.get("quantity"), "originalUnitPriceSet": bag(line.get("price"), currency),
            "product": {"id": gid("Product", line["product_id"])} if line.get("product_id") else None,
            "variant": {"id": gid("ProductVariant", line["variant_id"])} if line.get("variant_id") else None}


def refund_node(refund: dict, currency: str | None = None) -> dict:
    transactions = [{"kind": (t.get("kind") or "").upper(), "status": (t.get("status") or "").upper(),
                     "gateway": t.get("gateway"), "amountSet": bag(t.get("amount"), currency)}
                    for t in refund.get("transactions") or []]
    items = [{"quantity": item["quantity"], "lineItem": {"id": gid("LineItem", item["line_item_id"])},
              "subtotalSet": bag(item.get("subtotal"), currency)} for item in refund.get("refund_line_items") or []]
    return {"id": gid("Refund", refund["id"]), "createdAt": utc(refund.get("created_at")), "note": refund.get("note"),
            "transactions": {"nodes": transactions}, "refundLineItems": {"nodes": items}}


def order_node(order: dict) -> dict:
    currency = order.get("currency")
    return {"id": gid("Order", order["id"]), "name": order.get("name"), "email": order.get("email"),
            "createdAt": utc(order.get("created_at")), "updatedAt": utc(order.get("updated_at")),
            "cancelledAt": utc(order.get("cancelled_at")), "currencyCode": currency,
            "presentmentCurrencyCode": order.get("presentment_currency") or currency,
            "displayFinancialStatus": (order.get("financial_status") or "pending").upper(),
            "cartToken": order.get("cart_token"), "checkoutToken": order.get("checkout_token"),
            "totalPriceSet": bag(order.get("total_price"), currency),
            "customer": customer_node(order.get("customer")),
            "lineItems": {"nodes": [line_node(line, currency) for line in order.get("line_items") or []]},
            "refunds": [refund_node(refund, currency) for refund in order.get("refunds") or []]}


def generated_order(index: int, start: datetime, currency: str) -> dict:
    """Order number `index` of a synthetic history: one a minute from `start`, 1 to 3 lines, a
    customer among GENERATED_CUSTOMERS."""
    created = (start + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
    order_id, who = GENERATED_ORDER_BASE + index, index % GENERATED_CUSTOMERS
    lines = [{"id": order_id * 4 + k, "product_id": 632910392 + k, "variant_id": 808950810 + k, "sku": sku,
              "title": title, "quantity": 1 + (index + k) % 2, "price": price}
             for k, (sku, title, price) in enumerate(PRODUCTS[:1 + index % 3])]
    total = sum((Decimal(line["price"]) * line["quantity"] for line in lines), Decimal("0"))
    email = f"customer{who}@example.com"
    return {"id": order_id, "name": f"#{10001 + index}", "email": email, "created_at": created, "updated_at": created,
            "currency": currency, "total_price": str(total), "financial_status": "paid", "cancelled_at": None,
            "cart_token": f"c1-{order_id:x}", "checkout_token": f"{order_id:032x}", "line_items": lines,
            "payment_gateway_names": ["shopify_payments"], "refunds": [],
            "customer": {"id": GENERATED_CUSTOMER_BASE + who, "email": email, "first_name": "Customer",
                         "last_name": str(who), "phone": None, "state": "enabled",
                         "created_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "updated_at": created}}
