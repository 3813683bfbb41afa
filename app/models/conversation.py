"""Live chat: a conversation with one customer profile and its messages, numbered per conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

CONVERSATION_STATUSES = ("open", "pending", "resolved")
AUTHOR_TYPES = ("visitor", "agent", "system")
# How a conversation began: the visitor wrote in the widget, left a message while no agent was
# online, or an agent reached out to a visitor on the site.
CHANNELS = ("chat", "offline_message", "proactive")
MAX_BODY_CHARS = 5000


class Conversation(db.Model):
    """A chat between a customer (or anonymous visitor's profile) and agents.

    `last_seq` is the sequence number of the newest message; the next message takes last_seq + 1
    under the row's write lock, so numbers are gap-free and ordered per conversation.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        # The widget's own id for a start_conversation: a retried start finds the first one.
        UniqueConstraint("customer_id", "client_key", name="uq_conversations_customer_id_client_key"),
        Index("ix_conversations_status_assignee_id", "status", "assignee_id"),
        Index("ix_conversations_created_at", "created_at"),  # the reports' daily figures
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="open", nullable=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seq: Mapped[int] = mapped_column(default=0, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), default="chat", nullable=False)
    client_key: Mapped[str | None] = mapped_column(String(64))
    # Read positions ("seen" receipts) and unread counters, kept by the message path.
    agent_read_seq: Mapped[int] = mapped_column(default=0, nullable=False)
    visitor_read_seq: Mapped[int] = mapped_column(default=0, nullable=False)
    unread_for_agents: Mapped[int] = mapped_column(default=0, nullable=False)
    unread_for_visitor: Mapped[int] = mapped_column(default=0, nullable=False)
    # What the widget said when the conversation began: the page, the pre-chat form's answers, the
    # email given with a message left while nobody was online.
    page_url: Mapped[str | None] = mapped_column(String(2048))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    prechat: Mapped[dict | None] = mapped_column(JSON)


class Message(db.Model):
    """One chat message. `client_msg_id` is the sender's id for it: a resend finds the stored row."""

    __tablename__ = "messages"
    __table_args__ = (
        # Named by hand: the naming convention uses only the first column, so both would collide.
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_id_seq"),
        UniqueConstraint("conversation_id", "client_msg_id", name="uq_messages_conversation_id_client_msg_id"),
        Index("ix_messages_author_agent_id", "author_agent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(nullable=False)
    client_msg_id: Mapped[str] = mapped_column(String(64), nullable=False)
    author_type: Mapped[str] = mapped_column(String(16), nullable=False)
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    is_internal_note: Mapped[bool] = mapped_column(default=False, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
