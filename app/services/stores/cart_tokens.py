"""A visitor's Shopify cart token, reported by the widget on the theme (cart_updated with a
`cart_token`, docs/shopify.md): the token's cart webhooks then land on the visitor's profile, so
the agent sees the live cart of the person in front of them between page loads too.

The link is the token's anonymous id (shopify.cart_key) pointing at the visitor's profile, the
way any anonymous id points at its profile. First come: a token already linked (a checkout or
order joined it, or another page reported it) keeps its profile, so a page cannot take over a
cart that is someone's already.
"""

from __future__ import annotations

from app.database import insert_ignoring_conflicts
from app.extensions import db
from app.models import AnonymousVisitor
from app.models.base import utcnow
from app.services.stores import shopify

MAX_TOKENS = 5  # a page reports its one cart; a handful covers retries within a batch


def remember_reported(anonymous_id: str, events: list[dict]) -> int:
    """Link the cart tokens the page's cart_updated events carry to the visitor's profile.
    Returns how many were new. Commits."""
    keys = {shopify.cart_key(e["properties"].get("cart_token")) for e in events
            if e.get("type") == "cart_updated" and isinstance(e.get("properties"), dict)
            and isinstance(e["properties"].get("cart_token"), str)} - {None}
    if not keys:
        return 0
    profile = db.session.scalar(db.select(AnonymousVisitor.customer_id)
                                .where(AnonymousVisitor.anonymous_id == anonymous_id))
    if profile is None:
        return 0
    table = AnonymousVisitor.__table__
    rows = db.session.execute(insert_ignoring_conflicts(table, ["anonymous_id"]).returning(table.c.anonymous_id),
                              [{"anonymous_id": key, "customer_id": profile, "first_seen_at": utcnow()}
                               for key in sorted(keys)[:MAX_TOKENS]])
    new = len(list(rows))
    db.session.commit()
    return new
