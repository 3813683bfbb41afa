"""Open Socket.IO connections: who is in the console now, which visitors are on the shop's site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class RealtimeConnection(db.Model):
    """One open socket: an agent's console (/console) or a visitor's widget (/chat).

    A row lives from connect to disconnect. A process that dies cannot delete its rows, so each
    process refreshes `seen_at` of its own rows (by `process_key`) on a heartbeat, and a row not
    refreshed for a while counts as gone (and is purged).
    """

    __tablename__ = "realtime_connections"
    __table_args__ = (Index("ix_realtime_connections_namespace_seen_at", "namespace", "seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    namespace: Mapped[str] = mapped_column(String(16), nullable=False)
    process_key: Mapped[str] = mapped_column(String(32), index=True, nullable=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    # The sign-in a console socket belongs to: revoking it (sign-out, password change, deactivation)
    # disconnects exactly its sockets. NULL once the session row is purged: the socket has ended too.
    agent_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent_sessions.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    # The visitor's page, as the widget said at connect (each page load is a new socket).
    page_url: Mapped[str | None] = mapped_column(String(2048))
    page_title: Mapped[str | None] = mapped_column(String(255))
    # The conversation an agent's console shows now (who else is looking at it).
    viewing_conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True)
    # The ticket an agent's console shows now (collision detection on the ticket page).
    viewing_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # A visitor socket's token expiry: the heartbeat disconnects it then.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
