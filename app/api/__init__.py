"""The shop's REST API under /api/v1, documented from its schemas at /api/v1/openapi.json.

The one exception to the feature packages' pattern (a bp made in the package's __init__, to which each
module adds its routes in register(bp)): every module here makes its own flask-smorest Blueprint
(app/api/blueprint.py) and decorates its views with @bp.route, @bp.arguments and @bp.response, because
those decorators carry the schemas the OpenAPI document is generated from. The blueprints are
registered explicitly, one by one, in init_api below; nothing is registered by importing a module."""

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
    api.register_blueprint(views.bp)
    api.register_blueprint(events.bp)
    api.register_blueprint(customers.bp)
    api.register_blueprint(conversations.bp)
    api.register_blueprint(tickets.bp)
    api.register_blueprint(inbound.bp)
    api.register_blueprint(widget_events.bp)
    api.register_blueprint(widget_requests.bp)
    api.register_blueprint(widget_surveys.bp)
    api.register_blueprint(kb.bp)


__all__ = ["init_api"]
