"""Tickets: requests from every channel, their thread, groups (teams), tags and audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
UNSOLVED_STATUSES = ("new", "open", "pending", "on_hold")
# The work queue's predicate, as literal SQL: the partial indexes below are defined with it, and
# the views' queries repeat it word for word, so SQLite and PostgreSQL can prove the index applies.
UNSOLVED_SQL = "status IN ({})".format(", ".join(f"'{status}'" for status in UNSOLVED_STATUSES))
_UNSOLVED_ONLY = {"sqlite_where": text(UNSOLVED_SQL), "postgresql_where": text(UNSOLVED_SQL)}
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_TYPES = ("question", "incident", "problem", "task")
# Where a ticket came from: the help center's form, the widget (a message left while nobody was
# online), a chat an agent turned into a ticket, an agent on the customer's behalf, the API, email.
TICKET_CHANNELS = ("help_center", "widget", "chat", "agent", "api", "email")
MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 20_000


class TicketGroup(db.Model):
    """A team that tickets are routed to (Billing, Shipping, …)."""

    __tablename__ = "ticket_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    # Round-robin's cursor: the member who got the group's last routed ticket.
    last_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Ticket(db.Model):
    """A customer's request. `version` grows with every change: a save that names an older version
    is refused with what changed (two agents never overwrite each other unknowingly)."""

    __tablename__ = "tickets"
    __table_args__ = (
        # A client's own id for a submission: a retried POST finds the ticket the first one made.
        UniqueConstraint("channel", "client_key", name="uq_tickets_channel_client_key"),
        # The views: every ticket and one status by activity; then the work queue (unsolved), partial
        # so a page reads only the rows it shows, in each of the lists' orders (activity, creation,
        # next deadline), for anyone's tickets and for one agent's (or nobody's). The anyone-indexes
        # carry `audiences`, so a lifecycle view tests its bit in the index and reads only the
        # tickets it shows (SQLite defers the row read until a column not in the index is needed).
        Index("ix_tickets_status_updated_at", "status", "updated_at", "id"),
        Index("ix_tickets_updated_at_id", "updated_at", "id"),
        Index("ix_tickets_unsolved_updated_at", "updated_at", "id", "audiences", **_UNSOLVED_ONLY),
        Index("ix_tickets_unsolved_id", "id", "audiences", **_UNSOLVED_ONLY),
        Index("ix_tickets_unsolved_sla_due_at", "sla_due_at", "id", "audiences", **_UNSOLVED_ONLY),  # and the SLA job
        Index("ix_tickets_unsolved_assignee", "assignee_id", "updated_at", "id", **_UNSOLVED_ONLY),
        Index("ix_tickets_unsolved_assignee_id", "assignee_id", "id", **_UNSOLVED_ONLY),
        Index("ix_tickets_unsolved_assignee_due", "assignee_id", "sla_due_at", "id", **_UNSOLVED_ONLY),
        # The reports' daily figures read one day's tickets by each of these moments.
        Index("ix_tickets_created_at", "created_at"),
        Index("ix_tickets_first_response_at", "first_response_at"),
        Index("ix_tickets_solved_at", "solved_at"),
        Index("ix_tickets_first_response_breached_at", "first_response_breached_at",
              sqlite_where=text("first_response_breached_at IS NOT NULL"),
              postgresql_where=text("first_response_breached_at IS NOT NULL")),
        Index("ix_tickets_resolution_breached_at", "resolution_breached_at",
              sqlite_where=text("resolution_breached_at IS NOT NULL"),
              postgresql_where=text("resolution_breached_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT_CHARS), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="new", nullable=False)
    priority: Mapped[str] = mapped_column(String(8), default="normal", nullable=False)
    type: Mapped[str] = mapped_column(String(16), default="question", nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    requester_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True,
                                              nullable=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_groups.id", ondelete="SET NULL"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"),
                                                        unique=True)
    client_key: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Service level (app/services/tickets/sla/targets.py keeps these right on every flush): the policy that
    # matched, each target's due time and when it was breached, and the next deadline still open.
    # No foreign key: SQLite adds one only by copying the table; deleting a policy clears it here.
    sla_policy_id: Mapped[int | None] = mapped_column()
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the ticket was merged into another (app/services/tickets/merge.py): it is closed, its
    # messages live in that ticket, and customers and email replies are sent there. Always names a
    # ticket that is not merged itself (a later merge of the target re-points these). A plain id,
    # not a foreign key: tickets are never deleted on their own (erased customers stay as
    # tombstones), and SQLite could drop such a column again only by copying the tickets table,
    # which cascades deletes into the thread and loses the search triggers.
    merged_into_id: Mapped[int | None] = mapped_column(index=True)
    # The requester's lifecycle views, copied from customers.audiences (services.tickets.audiences):
    # a lifecycle view tests a bit of the row its index led to, not a customer and a cart per row.
    audiences: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)


class TicketTag(db.Model):
    """One tag on one ticket (a table, not a list, so views can filter by tag on an index)."""

    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class TicketMessage(db.Model):
    """One entry of a ticket's thread: a public reply (the customer's or an agent's) or an internal
    note (agents only)."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket_id_id", "ticket_id", "id"),
                      # A client's id for a reply (My requests, the widget, inbound email's
                      # Message-ID): a retried submit finds the message the first one made.
                      UniqueConstraint("ticket_id", "client_key", name="uq_ticket_messages_ticket_id_client_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    author_type: Mapped[str] = mapped_column(String(16), nullable=False)  # customer, agent, system
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    internal: Mapped[bool] = mapped_column(default=False, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # how it arrived: web, email, api, chat…
    client_key: Mapped[str | None] = mapped_column(String(255))
    # The ticket this message was first written in, when a merge moved it here (shown as "from #12";
    # erasing that ticket's customer blanks it too). A plain id, not a foreign key: a marker only.
    merged_from_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TicketEvent(db.Model):
    """The audit trail: who changed which field of a ticket, when, from which value to which."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    actor_type: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[int | None] = mapped_column()
    actor_label: Mapped[str | None] = mapped_column(String(254))
    field: Mapped[str] = mapped_column(String(32), nullable=False)  # "created", "status", "assignee", …
    old_value: Mapped[str | None] = mapped_column(String(255))
    new_value: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(nullable=False)  # the ticket's version this change made
    details: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TicketGroupMember(db.Model):
    """An agent in a group: round-robin routing inside the group picks among its members."""

    __tablename__ = "ticket_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("ticket_groups.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True)


class RoutingRule(db.Model):
    """Evaluated when a ticket arrives, in position order: when every condition holds, the actions
    apply (later rules may change what earlier ones set, unless a rule says stop)."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    position: Mapped[int] = mapped_column(default=0, nullable=False)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    stop: Mapped[bool] = mapped_column(default=False, nullable=False)
    # Validated by app/services/tickets/routing.py: {"channels", "words", "tags", "stages", "flags",
    # "segments", "cart_min", "cart_max"} and {"group_id", "priority", "add_tags", "assignee"}.
    conditions: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    actions: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
