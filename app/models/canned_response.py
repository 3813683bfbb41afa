"""Canned responses: saved replies for the chat composer, the team's (shared) or one agent's (private)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TimestampMixin
from app.models.conversation import MAX_BODY_CHARS

MAX_TITLE_CHARS = 120
MAX_SHORTCUT_CHARS = 32
# The team's rows: owner_agent_id is NULL, and NULLs never collide in a UNIQUE constraint, so the
# team's shortcuts get a partial unique index of their own (SQLite and PostgreSQL both have them).
TEAM_ROWS = text("owner_agent_id IS NULL")


class CannedResponse(TimestampMixin, db.Model):
    """A saved reply with placeholders (`{{customer.first_name}}`), found in the composer by its
    shortcut. `owner_agent_id` NULL: the team's, managed by admins; otherwise private to that agent.

    `version` is bumped by every update (SQLAlchemy's version counter): an edit made on an older
    version is refused instead of silently overwriting a colleague's change.
    """

    __tablename__ = "canned_responses"
    __table_args__ = (
        # Named by hand: the naming convention uses only the first column.
        UniqueConstraint("owner_agent_id", "shortcut", name="uq_canned_responses_owner_agent_id_shortcut"),
        Index("uq_canned_responses_team_shortcut", "shortcut", unique=True,
              sqlite_where=TEAM_ROWS, postgresql_where=TEAM_ROWS),
        CheckConstraint(f"length(body) <= {MAX_BODY_CHARS}", name="body_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(MAX_TITLE_CHARS), nullable=False)
    shortcut: Mapped[str] = mapped_column(String(MAX_SHORTCUT_CHARS), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_team(self) -> bool:
        return self.owner_agent_id is None

    def __repr__(self) -> str:
        return f"<CannedResponse {self.id} /{self.shortcut} {'team' if self.is_team else self.owner_agent_id}>"
