"""Migrations that change data, not only the schema: run from the revision before, on both databases."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select

from app import create_app
from app.extensions import db
from app.models import Customer, Ticket, TicketMessage
from app.models.base import utcnow
from config import TestConfig
from tests.support import services


def _ticket(customer_id: int, client_key: str, *, reply: bool = False) -> None:
    """A ticket as the code before this migration made it: its first message public, by the
    customer. Core inserts of the columns that existed then (the ORM would name later ones)."""
    now = utcnow()
    ticket_id = db.session.execute(insert(Ticket.__table__).values(
        subject="S", channel="api", client_key=client_key, requester_id=customer_id)
        .returning(Ticket.__table__.c.id)).scalar_one()
    messages = [{"author_type": "customer", "body": "text"}] + ([{"author_type": "agent", "body": "reply"}] * reply)
    for message in messages:
        db.session.execute(insert(TicketMessage.__table__).values(
            ticket_id=ticket_id, internal=False, channel="api" if message["author_type"] == "customer" else "web",
            created_at=now, **message))
    db.session.commit()


def _messages() -> list[tuple[str, str, bool]]:
    rows = db.session.execute(select(Ticket.client_key, TicketMessage.author_type, TicketMessage.internal)
                              .join(Ticket, Ticket.id == TicketMessage.ticket_id).order_by(TicketMessage.id)).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def _follow_ups_open_with_a_note(database_url: str, tmp_path) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, HELPDESK_DATA_DIR=str(tmp_path))
    with app.app_context():
        upgrade(revision="371efa19c44c")  # the models match its schema: this migration changes data only
        customer_id = db.session.execute(insert(Customer.__table__).values(external_id="c-1")
                                         .returning(Customer.__table__.c.id)).scalar_one()
        _ticket(customer_id, "outreach-7", reply=True)  # the rule's text as if the customer wrote it; a reply
        _ticket(customer_id, "helpdesk-nps-3")
        _ticket(customer_id, "their-own-key")  # a ticket the shop's API opened for the customer: stays theirs
        upgrade()
        assert _messages() == [("outreach-7", "system", True), ("outreach-7", "agent", False),
                               ("helpdesk-nps-3", "system", True), ("their-own-key", "customer", False)]
        downgrade(revision="371efa19c44c")
        assert _messages() == [("outreach-7", "customer", False), ("outreach-7", "agent", False),
                               ("helpdesk-nps-3", "customer", False), ("their-own-key", "customer", False)]
        db.session.remove()
        db.engine.dispose()


def test_follow_up_tickets_open_with_a_note_after_the_upgrade_on_sqlite(tmp_path):
    _follow_ups_open_with_a_note(f"sqlite:///{tmp_path / 'm.db'}", tmp_path)


@pytest.mark.postgres
def test_follow_up_tickets_open_with_a_note_after_the_upgrade_on_postgresql(tmp_path):
    with services.throwaway_postgres_database("helpdesk_data_migration") as url:
        _follow_ups_open_with_a_note(url, tmp_path)
