"""The GraphQL Admin API's documents this connector sends, and its answers turned into the REST
(webhook) shape that `shopify.order_events` and `shopify.customer_events` already map.

Pure: no I/O. The selections below and the converters read the same fields, so they live together.
What differs from a webhook body: ids come as gids (`gid://shopify/Order/123`), money as MoneyBags
(`totalPriceSet.shopMoney.amount`), enums in capitals (`PAID`), and times in UTC (`...Z`) where a
webhook carries the shop's offset (`-05:00`): the same instant, written differently.
"""

from __future__ import annotations

from collections.abc import Mapping

# How many nested records one order brings. Shopify prices a query before running it (a connection
# costs 2 plus `first` times its node) and refuses one above 1,000 points: an order as selected here
# costs about 60, so a page holds about 16 orders. An order with more than LINES lines keeps its
# first LINES. A page names its orders' refunds only; REFUNDS_QUERY fetches the few there are.
LINES = 10
REFUNDS = 5
REFUND_TRANSACTIONS = 3
REFUND_LINES = 10

MONEY = "shopMoney { amount currencyCode }"

CUSTOMER_FIELDS = """
    id firstName lastName state createdAt updatedAt
    defaultEmailAddress { emailAddress }
    defaultPhoneNumber { phoneNumber }
"""

REFUND_FIELDS = f"""
    id createdAt note
    transactions(first: {REFUND_TRANSACTIONS}) {{ nodes {{ kind status gateway amountSet {{ {MONEY} }} }} }}
    refundLineItems(first: {REFUND_LINES}) {{ nodes {{ quantity lineItem {{ id }} subtotalSet {{ {MONEY} }} }} }}
"""

ORDER_FIELDS = f"""
    id name email createdAt updatedAt cancelledAt currencyCode displayFinancialStatus
    cartToken checkoutToken
    totalPriceSet {{ {MONEY} }}
    customer {{ {CUSTOMER_FIELDS} }}
    lineItems(first: {LINES}) {{
      nodes {{ id sku title quantity originalUnitPriceSet {{ {MONEY} }} product {{ id }} variant {{ id }} }}
    }}
    refunds(first: {REFUNDS}) {{ id }}
"""

SHOP_QUERY = "query Shop { shop { name myshopifyDomain currencyCode } }"

ORDERS_QUERY = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {ORDER_FIELDS} }}
  }}
}}"""

CUSTOMERS_QUERY = f"""
query Customers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {CUSTOMER_FIELDS} }}
  }}
}}"""

REFUNDS_QUERY = f"""
query Refunds($ids: [ID!]!) {{
  nodes(ids: $ids) {{ ... on Refund {{ {REFUND_FIELDS} order {{ id }} }} }}
}}"""

SUGGESTED_REFUND_QUERY = """
query SuggestedRefund($id: ID!, $lines: [RefundLineItemInput!], $full: Boolean, $shipping: Boolean) {
  order(id: $id) {
    id presentmentCurrencyCode
    suggestedRefund(refundLineItems: $lines, suggestFullRefund: $full, refundShipping: $shipping) {
      amountSet { presentmentMoney { amount currencyCode } }
      refundLineItems { quantity lineItem { id } }
      suggestedTransactions {
        gateway kind
        amountSet { presentmentMoney { amount currencyCode } }
        parentTransaction { id }
      }
    }
  }
}"""

# The idempotency key goes in as a literal, as in Shopify's own examples (see shopify_api.refund).
REFUND_CREATE = f"""
mutation RefundCreate($input: RefundInput!) {{
  refundCreate(input: $input) @idempotent(key: %s) {{
    refund {{ {REFUND_FIELDS} }}
    userErrors {{ field message }}
  }}
}}"""

# refundMethod replaced the deprecated `refund: Boolean!` in 2025-07; a non-null variable fits the
# argument whether the schema makes it required or not.
ORDER_CANCEL = """
mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput!,
                     $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""

ORDER_CANCELLED_QUERY = "query OrderCancelled($id: ID!) { order(id: $id) { id cancelledAt } }"

ORDER_INVOICE_SEND = """
mutation OrderInvoiceSend($id: ID!) {
  orderInvoiceSend(id: $id) {
    order { id email }
    userErrors { field message code }
  }
}"""


# --- ids and values ------------------------------------------------------------------------------


def gid(kind: str, ident: int | str) -> str:
    """Shopify's global id for a numeric id: gid("Order", 123) is "gid://shopify/Order/123"."""
    return f"gid://shopify/{kind}/{ident}"


def numeric_id(value) -> int | None:
    """The numeric id in a gid ("gid://shopify/Order/123" gives 123; a query string after it is
    dropped); None for None or anything that is not one."""
    if value is None:
        return None
    tail = str(value).rsplit("/", 1)[-1].split("?", 1)[0]
    return int(tail) if tail.isdigit() else None


def amount(bag: Mapping | None, side: str = "shopMoney") -> str | None:
    """The amount of a MoneyBag ({"shopMoney": {"amount": "403.0"}}) as Shopify wrote it."""
    money = (bag or {}).get(side) or {}
    return money.get("amount")


def nodes(connection: Mapping | list | None) -> list:
    """A connection's nodes, whether it was selected as `nodes` or `edges { node }`; a plain list
    (Order.refunds is one) is its own nodes."""
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    if "nodes" in connection:
        return connection["nodes"] or []
    return [edge["node"] for edge in connection.get("edges") or []]


def _lower(value) -> str | None:
    return value.lower() if isinstance(value, str) else None


# --- answers in the webhook shape ----------------------------------------------------------------


def customer_from_graphql(node: Mapping | None) -> dict | None:
    """A Customer node as a webhook's `customer` (None for a guest's order)."""
    if not node:
        return None
    return {"id": numeric_id(node.get("id")), "email": (node.get("defaultEmailAddress") or {}).get("emailAddress"),
            "first_name": node.get("firstName"), "last_name": node.get("lastName"),
            "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber"), "state": _lower(node.get("state")),
            "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt")}


def line_from_graphql(node: Mapping) -> dict:
    """A LineItem node as a webhook's line item."""
    return {"id": numeric_id(node.get("id")), "product_id": numeric_id((node.get("product") or {}).get("id")),
            "variant_id": numeric_id((node.get("variant") or {}).get("id")), "sku": node.get("sku"),
            "title": node.get("title"), "quantity": node.get("quantity"),
            "price": amount(node.get("originalUnitPriceSet"))}


def refund_from_graphql(node: Mapping, order_id: int | None = None) -> dict:
    """A Refund node as a refunds/create body (amounts as strings: the webhook's `subtotal` is a
    number, and `mapping.money` reads either)."""
    order_id = order_id or numeric_id((node.get("order") or {}).get("id"))
    return {"id": numeric_id(node.get("id")), "order_id": order_id, "created_at": node.get("createdAt"),
            "note": node.get("note"),
            "transactions": [{"amount": amount(t.get("amountSet")), "kind": _lower(t.get("kind")),
                              "status": _lower(t.get("status")), "gateway": t.get("gateway")}
                             for t in nodes(node.get("transactions"))],
            "refund_line_items": [{"line_item_id": numeric_id((item.get("lineItem") or {}).get("id")),
                                   "quantity": item.get("quantity"), "subtotal": amount(item.get("subtotalSet"))}
                                  for item in nodes(node.get("refundLineItems"))]}


def order_from_graphql(node: Mapping) -> dict:
    """An Order node as an orders/create body: what `shopify.order_events` maps. Refunds selected
    by id only come out as {"id", "order_id"} until their details replace them."""
    order_id = numeric_id(node.get("id"))
    total = node.get("totalPriceSet") or {}
    return {"id": order_id, "name": node.get("name"), "email": node.get("email"),
            "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"),
            "currency": node.get("currencyCode") or (total.get("shopMoney") or {}).get("currencyCode"),
            "total_price": amount(total), "financial_status": _lower(node.get("displayFinancialStatus")),
            "cancelled_at": node.get("cancelledAt"), "cart_token": node.get("cartToken"),
            "checkout_token": node.get("checkoutToken"),
            "line_items": [line_from_graphql(item) for item in nodes(node.get("lineItems"))],
            "customer": customer_from_graphql(node.get("customer")),
            "refunds": [refund_from_graphql(refund, order_id) if "createdAt" in refund
                        else {"id": numeric_id(refund.get("id")), "order_id": order_id}
                        for refund in nodes(node.get("refunds"))]}
