"""The shop's REST API under /api/v1, documented from its schemas at /api/v1/openapi.json."""

from flask_smorest import Api

from app.api import (
    conversations,
    customers,
    events,
    inbound,
    kb,
    tickets,
    views,
    widget_events,
    widget_requests,
    widget_surveys,
)
from app.services.shop_events.browser import BrowserEventsSchema
from app.services.shop_events.schemas import EventBatchSchema, EventSchema


def init_api(api: Api) -> None:
    """Register the API's blueprints and the schemas its documents reference by name."""
    api.spec.components.schema("Event", schema=EventSchema)
    api.spec.components.schema("EventBatch", schema=EventBatchSchema)
    api.spec.components.schema("BrowserEvents", schema=BrowserEventsSchema)
    for module in (views, events, customers, conversations, tickets, inbound, widget_events, widget_requests,
                   widget_surveys, kb):
        api.register_blueprint(module.bp)


__all__ = ["init_api"]
