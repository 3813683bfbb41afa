"""All models, imported here so that Alembic and the app see the whole metadata."""

from app.models import ticket_search  # noqa: F401,I001  (the search DDL joins the tables' create and drop)
from app.models.agent import PRESENCES, ROLES, Agent, AgentInvite, AgentSession
from app.models.api_key import ApiKey
from app.models.article import (
    Article,
    ArticleVote,
    KbArticleView,
    KbCategory,
    KbContact,
    KbSearch,
    KbSection,
    KbSynonymGroup,
)
from app.models.audit import AuditEvent
from app.models.canned_response import CannedResponse
from app.models.commerce import Cart, CustomerEvent, Order, OrderItem
from app.models.conversation import Conversation, Message
from app.models.customer import FLAGS, SEGMENTS, STAGES, AnonymousVisitor, Customer, StageTransition
from app.models.customer_access import CustomerLink, CustomerSession
from app.models.outbox import OutboxEmail
from app.models.outreach import OutreachDecision, OutreachRule
from app.models.realtime import RealtimeConnection
from app.models.report import DailyFigure
from app.models.saved_view import SavedView
from app.models.setting import AppSetting
from app.models.sla import BusinessCalendar, SlaPolicy
from app.models.store import StoreConnection, StoreDelivery, StoreOrderAction
from app.models.survey import Survey
from app.models.ticket import (
    RoutingRule,
    Ticket,
    TicketEvent,
    TicketGroup,
    TicketGroupMember,
    TicketMessage,
    TicketTag,
)
from app.models.ticket_attachment import TicketAttachment

__all__ = [
    "ROLES", "Agent", "Article", "ArticleVote", "KbArticleView", "KbCategory", "KbContact", "KbSearch", "KbSection",
    "KbSynonymGroup", "AgentInvite", "AgentSession", "ApiKey", "AuditEvent", "Cart", "CustomerEvent",
    "Order", "OrderItem", "FLAGS", "SEGMENTS", "STAGES", "AnonymousVisitor", "Customer", "StageTransition",
    "AppSetting", "BusinessCalendar", "DailyFigure", "SavedView", "SlaPolicy", "StoreConnection", "StoreDelivery",
    "StoreOrderAction",
    "CannedResponse", "CustomerLink", "CustomerSession", "OutboxEmail", "OutreachDecision", "OutreachRule",
    "Conversation",
    "Message", "PRESENCES", "RealtimeConnection",
    "RoutingRule", "Survey",
    "Ticket", "TicketAttachment", "TicketEvent", "TicketGroup", "TicketGroupMember", "TicketMessage",
    "TicketTag",
]
