"""Customer search treats what the agent typed literally."""

from app.services.customers.queries import CustomerFilter, list_customers
from app.services.shop_events.ingestion import ingest_events
from tests.factories import event


def names(search: str) -> set[str]:
    return {c.name for c in list_customers(CustomerFilter(search=search)).customers}


def test_wildcards_typed_by_an_agent_are_literal(app):
    ingest_events([
        event("identify", {"name": "Ann_Lee", "email": "ann@example.com"}, customer="c1"),
        event("identify", {"name": "Anne Lee", "email": "anne@example.com"}, customer="c2"),
        event("identify", {"name": "Bo 100%", "email": "bo@example.com"}, customer="c3"),
    ])
    assert names("ann_") == {"Ann_Lee"}
    assert names("%") == {"Bo 100%"}
    assert names("ANNE") == {"Anne Lee"}
    assert names("example.com") == {"Ann_Lee", "Anne Lee", "Bo 100%"}
    assert names("c2") == {"Anne Lee"}
