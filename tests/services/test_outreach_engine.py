"""The outreach engine end to end in one process: events and the timer make rules true, visitors'
widget sockets get the message, decisions are logged with their reason, holdout and caps hold,
and answering a message starts a conversation that names the rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, socketio
from app.models import Conversation, Customer, Message, OutreachDecision, RealtimeConnection
from app.models.base import utcnow
from app.services.access import visitor_tokens
from app.services.access.visitor_tokens import Visitor
from app.services.conversations.live_chat import StartRequest, start_conversation
from app.services.conversations.outreach_answers import started_by
from app.services.outreach import audience, rules, timer
from app.services.outreach.rules import RuleSpec
from app.services.platform.audit import Actor
from app.services.shop_events.ingestion import ingest_events
from tests.factories import cart, event, items

CHAT = "/chat"
ADMIN = Actor("system", None, "test")


@pytest.fixture(autouse=True)
def _fresh_timer_memory():
    timer._decided.clear()
    timer._first_order_pass["at"] = 0.0


def online(app, anonymous_id: str):
    token = visitor_tokens.issue_visitor_token(anonymous_id).token
    sio = socketio.test_client(app, namespace=CHAT, auth={"token": token, "page_url": "https://shop.example/checkout"})
    assert sio.is_connected(CHAT)
    return sio


def offers(sio) -> list[dict]:
    return [m["args"][0] for m in sio.get_received(CHAT) if m["name"] == "proactive_message"]


def rule(name="Checkout help", trigger=None, action=None, **limits):
    return rules.save_rule(RuleSpec(
        name=name, trigger=trigger or {"kind": "event", "event": "checkout_started"},
        action=action or {"kind": "widget_message", "body": "Hi {{customer.first_name|there}}, need a hand?"},
        **limits), by=ADMIN)


def now_event(kind: str, anonymous_id: str, properties=None, **kwargs):
    return event(kind, properties, anonymous=anonymous_id, when=utcnow().isoformat(), **kwargs)


def decisions() -> list[OutreachDecision]:
    return list(db.session.scalars(select(OutreachDecision).order_by(OutreachDecision.id)))


def test_an_event_reaches_the_visitor_on_the_site_and_the_decision_says_why(any_app):
    app = any_app
    rule(audience={"stages": ["acquisition"]})
    sio = online(app, "anon-1")
    ingest_events([now_event("cart_updated", "anon-1", cart(items(("A", 2, "60.00")), "120.00")),
                   now_event("checkout_started", "anon-1", cart(items(("A", 2, "60.00")), "120.00"))])
    [offer] = offers(sio)
    assert offer["body"] == "Hi there, need a hand?" and offer["author"]
    [decision] = decisions()
    assert decision.outcome == "shown" and decision.delivered_to == 1
    assert "checkout_started" in decision.reason and "stage acquisition" in decision.reason
    # A retried batch decides nothing twice.
    ingest_events([now_event("checkout_started", "anon-1", event_id=decision.trigger_key.removeprefix("event:"))])
    assert len(decisions()) == 1 and offers(sio) == []


def test_nobody_outside_the_audience_or_off_the_site_is_messaged(app):
    rule(audience={"cart_min": "500"})
    sio = online(app, "anon-1")
    ingest_events([now_event("checkout_started", "anon-1"), now_event("checkout_started", "anon-away")])
    assert offers(sio) == [] and decisions() == []


def test_the_caps_stop_a_second_message_and_say_which_rule_came_first(any_app):
    app = any_app
    rule("First", priority=90)
    rule("Second", trigger={"kind": "event", "event": "product_viewed"}, priority=10)
    sio = online(app, "anon-1")
    ingest_events([now_event("checkout_started", "anon-1")])
    ingest_events([now_event("product_viewed", "anon-1", {"sku": "A", "name": "A"})])
    ingest_events([now_event("checkout_started", "anon-1")])
    assert len(offers(sio)) == 1
    first, second, third = decisions()
    assert first.outcome == "shown"
    assert second.outcome == "capped" and "“First” reached them" in second.reason
    assert third.outcome == "capped" and "this rule reached them" in third.reason


def _split_seed(saved, first_id: int, second_id: int) -> None:
    """Give the rule a seed that puts exactly the first customer in its 50% holdout."""
    for n in range(1000):
        candidate = audience.Rule(saved.id, "", 0, {}, {}, {}, 50, f"seed-{n}", 24, False, None, None)
        if audience.in_holdout(candidate, first_id) and not audience.in_holdout(candidate, second_id):
            saved.holdout_seed, saved.updated_at = f"seed-{n}", utcnow()
            db.session.commit()
            return
    raise AssertionError("no seed splits them")


def test_the_holdout_is_stable_per_visitor_and_gets_nothing(app):
    saved = rule(holdout_percent=50)
    held, shown = online(app, "anon-a"), online(app, "anon-b")
    ids = {d.customer_id for d in db.session.scalars(select(RealtimeConnection))}
    first, second = sorted(ids)
    _split_seed(saved, first, second)
    for _ in range(2):  # the same visitors, twice: the same groups
        ingest_events([now_event("checkout_started", "anon-a"), now_event("checkout_started", "anon-b")])
    outcomes = {(d.customer_id, d.outcome) for d in decisions()}
    assert outcomes == {(first, "held_out"), (second, "shown"), (first, "capped"), (second, "capped")}
    assert offers(held) == [] and len(offers(shown)) == 1
    held_out = next(d for d in decisions() if d.outcome == "held_out")
    assert "holdout" in held_out.reason and held_out.delivered_to == 0 and held_out.body


def test_a_deleted_rule_stops_at_once(app):
    saved = rule()
    sio = online(app, "anon-1")
    rules.delete_rule(saved.id, by=ADMIN)
    ingest_events([now_event("checkout_started", "anon-1")])
    assert offers(sio) == [] and decisions() == []


def test_rules_changed_after_they_were_read_apply_to_the_next_event(any_app):
    """The event path matches with the rules it read last and checks their stamp in the same query:
    a deleted rule that the cached copy still matches stops, and a new rule that the cached copy
    knows nothing of starts, each at the next event."""
    app = any_app
    saved = rule()
    first, second = online(app, "anon-1"), online(app, "anon-2")
    ingest_events([now_event("checkout_started", "anon-1")])
    assert len(offers(first)) == 1  # the engine holds the rule now
    rules.delete_rule(saved.id, by=ADMIN)
    ingest_events([now_event("checkout_started", "anon-2")])
    assert offers(second) == [] and len(decisions()) == 1
    rule("Browsing", trigger={"kind": "event", "event": "product_viewed"})
    ingest_events([now_event("product_viewed", "anon-2", {"sku": "A", "name": "A"})])
    assert len(offers(second)) == 1 and decisions()[-1].reason.startswith("product_viewed")


def test_the_timer_fires_an_idle_cart_once_and_says_when_it_is_next_due(any_app):
    app = any_app
    rule("Idle cart", trigger={"kind": "cart_idle", "seconds": 60, "url_pattern": "/checkout"},
         audience={"cart_min": "100"})
    sio = online(app, "anon-1")
    ingest_events([now_event("cart_updated", "anon-1", cart(items(("A", 1, "240.00")), "240.00"))])
    early = timer.scan()
    assert early.deliveries == [] and early.next_due is not None
    assert timedelta(seconds=55) < early.next_due - utcnow() <= timedelta(seconds=61)
    later = utcnow() + timedelta(seconds=61)
    assert len(timer.scan(later).deliveries) == 1
    assert timer.scan(later + timedelta(seconds=5)).deliveries == []
    [offer] = offers(sio)
    [decision] = decisions()
    assert decision.trigger_key.startswith("cart:") and "cart unchanged for 60 s on https://shop.example/checkout" \
        in decision.reason and offer["decision_id"] == decision.id


def test_answering_the_message_starts_a_conversation_that_names_the_rule(any_app):
    app = any_app
    saved = rule()
    sio = online(app, "anon-1")
    ingest_events([now_event("checkout_started", "anon-1")])
    [offer] = offers(sio)
    ack = sio.emit("open_outreach", {"decision_id": offer["decision_id"]}, namespace=CHAT, callback=True)
    assert ack["ok"]
    ack = sio.emit("start_conversation", {"client_key": "k1", "outreach_decision_id": offer["decision_id"]},
                   namespace=CHAT, callback=True)
    conversation = db.session.get(Conversation, ack["conversation"]["id"])
    assert conversation.channel == "proactive" and started_by(conversation.id).id == saved.id
    first = db.session.scalar(select(Message).where(Message.conversation_id == conversation.id, Message.seq == 1))
    assert first.author_type == "agent" and first.body == "Hi there, need a hand?"
    [decision] = decisions()
    assert decision.conversation_id == conversation.id and decision.replied_at and decision.opened_at
    # Another tab answering the same message joins the same conversation.
    again = sio.emit("start_conversation", {"client_key": "k2", "outreach_decision_id": offer["decision_id"]},
                     namespace=CHAT, callback=True)
    assert again["conversation"]["id"] == conversation.id


def test_another_visitors_message_id_starts_an_ordinary_chat(app):
    rule()
    online(app, "anon-1")
    ingest_events([now_event("checkout_started", "anon-1")])
    [decision] = decisions()
    other = start_conversation(Visitor(anonymous_id="anon-2"),
                               StartRequest(client_key="x", outreach_decision_id=decision.id))
    assert other.channel == "chat" and started_by(other.id) is None
    assert db.session.get(OutreachDecision, decision.id).conversation_id is None


def test_a_merge_keeps_the_visitors_decisions_and_conversations(any_app):
    app = any_app
    rule()
    ingest_events([event("identify", {"email": "mia@example.com"}, customer="mia", when=utcnow().isoformat())])
    online(app, "anon-m")
    ingest_events([now_event("checkout_started", "anon-m")])
    chat = start_conversation(Visitor(anonymous_id="anon-m"), StartRequest(client_key="m1"))
    ingest_events([event("identify", {"email": "mia@example.com"}, customer="mia", anonymous="anon-m",
                         when=utcnow().isoformat())])
    mia = db.session.scalar(select(Customer).where(Customer.external_id == "mia"))
    [decision] = decisions()
    assert decision.customer_id == mia.id and db.session.get(Conversation, chat.id).customer_id == mia.id


def test_a_visitor_already_in_a_chat_gets_no_popup(app):
    rule()
    sio = online(app, "anon-1")
    start_conversation(Visitor(anonymous_id="anon-1"), StartRequest(client_key="c1"))
    sio.get_received(CHAT)
    ingest_events([now_event("checkout_started", "anon-1")])
    assert offers(sio) == [] and decisions() == []


def test_an_alert_reaches_the_consoles_with_the_cart(app, console_socket):
    rule("Hot lead", action={"kind": "agent_alert", "body": "Hot lead: cart of {{cart.total}} on checkout"})
    ingest_events([now_event("cart_updated", "anon-1", cart(items(("A", 2, "120.00")), "240.00")),
                   now_event("checkout_started", "anon-1")])  # not on the site: alerts need no widget
    [alert] = [m["args"][0] for m in console_socket.get_received("/console") if m["name"] == "outreach_alert"]
    assert alert["body"] == "Hot lead: cart of 240.00 EUR on checkout" and alert["rule"] == "Hot lead"
    assert alert["cart"] == "240.00 EUR" and alert["customer_id"] == decisions()[0].customer_id


def test_a_follow_up_ticket_and_an_email_are_made_in_the_same_transaction(any_app):
    from app.models import OutboxEmail, Ticket

    rule("Check in", action={"kind": "follow_up_ticket", "subject": "Check in with {{customer.name|them}}",
                             "body": "Ask how checkout went."})
    rule("Mail", trigger={"kind": "event", "event": "signed_up"},
         action={"kind": "email", "subject": "Welcome", "body": "Hi {{customer.first_name|there}}"})
    ingest_events([event("identify", {"email": "ana@example.com", "name": "Ana Lima"}, customer="ana",
                         when=utcnow().isoformat()),
                   event("checkout_started", {}, customer="ana", when=utcnow().isoformat()),
                   event("signed_up", {}, customer="ana", when=utcnow().isoformat())])
    ticket = db.session.scalar(select(Ticket))
    assert ticket.subject == "Check in with Ana Lima"
    email = db.session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "outreach"))
    assert email.to_address == "ana@example.com" and email.text_body == "Hi Ana"
    assert {d.outcome for d in decisions()} == {"shown"} and decisions()[0].ticket_id == ticket.id


def test_the_cap_across_rules_is_read_at_once_when_changed(any_app):
    app = any_app
    first = rule("First")
    rule("Second", trigger={"kind": "event", "event": "product_viewed"})
    sio = online(app, "anon-1")
    customer_id = db.session.scalar(select(RealtimeConnection.customer_id))
    db.session.add(OutreachDecision(rule_id=first.id, customer_id=customer_id, trigger_key="earlier", outcome="shown",
                                    visitor_facing=True, reason="test", created_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    ingest_events([now_event("product_viewed", "anon-1", {"sku": "A", "name": "A"})])
    assert decisions()[-1].outcome == "capped" and "every 4 h across rules" in decisions()[-1].reason
    rules.save_visitor_cap(1, by=ADMIN)
    ingest_events([now_event("product_viewed", "anon-1", {"sku": "B", "name": "B"})])
    assert decisions()[-1].outcome == "shown" and len(offers(sio)) == 1
