"""Inbox pages over HTTP: sign-in, list filters, escaping and links, resolve and reopen with CSRF."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Conversation
from app.services.conversations import inbox, live_chat
from app.services.platform.audit import CLI
from tests.factories import make_conversation, make_customer

XSS = "<img src=x onerror=alert(1)>"


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-conversation-row="(\d+)"', html)]


@pytest.fixture
def chats(app, make_agent):
    me, other = make_agent(), make_agent()
    return {
        "mine": make_conversation(customer=make_customer("c-mine", name="Ann Lee"), message="Where is my parcel?",
                                  assignee=me),
        "theirs": make_conversation(customer=make_customer("c-theirs", name="Bob Ray"), message="Refund please",
                                    assignee=other),
        "free": make_conversation(customer=make_customer("c-free", name="Cy Poe"), message="Hello?"),
        "pending": make_conversation(customer=make_customer("c-pending", name="Di Kay"), message="Waiting",
                                     status="pending"),
        "done": make_conversation(customer=make_customer("c-done", name="Ed Lo"), message="Thanks", status="resolved"),
        "me": me,
    }


@pytest.mark.parametrize("path", ["/console/inbox", "/console/inbox/{id}"])
def test_anonymous_is_sent_to_sign_in(client, chats, path):
    response = client.get(path.format(id=chats["free"].id))
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_anonymous_cannot_resolve(client, chats):
    response = client.post(f"/console/inbox/{chats['free'].id}/status", data={"status": "resolved"})
    assert response.status_code in (302, 400)
    assert db.session.get(Conversation, chats["free"].id).status == "open"


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["free", "theirs", "mine"]),  # all open, newest activity first
    ("?assignee=mine", ["mine"]),
    ("?assignee=unassigned", ["free"]),
    ("?status=pending", ["pending"]),
    ("?status=resolved&assignee=all", ["done"]),
    ("?status=any", ["done", "pending", "free", "theirs", "mine"]),
    ("?status=bogus&assignee=bogus", ["free", "theirs", "mine"]),  # unknown values fall back
])
def test_list_filters(auth, chats, query, expected):
    auth.login(chats["me"].email)
    response = auth.client.get("/console/inbox" + query)
    assert response.status_code == 200
    assert _rows(response.get_data(as_text=True)) == [chats[name].id for name in expected]


def test_list_row_shows_name_stage_and_excerpt(auth, chats):
    auth.login(chats["me"].email)
    html = auth.client.get("/console/inbox").get_data(as_text=True)
    assert "Ann Lee" in html and "Where is my parcel?" in html and "stage-pill" in html
    assert 'href="/console/inbox"' in html and 'aria-current="page"' in html  # the nav's Inbox section


def test_conversation_page_escapes_text_and_links_only_http(auth, make_agent, app):
    agent = make_agent()
    conversation = make_conversation(customer=make_customer("c-xss", name="Mal Lory"), message=XSS)
    live_chat.send_agent_message(agent, conversation.id, "a1", "See https://shop.example/a?b=1&c=2. <b>x</b>")
    live_chat.send_agent_message(agent, conversation.id, "a2", "javascript:alert(1) note", internal=True)
    auth.login(agent.email)
    html = auth.client.get(f"/console/inbox/{conversation.id}").get_data(as_text=True)
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://shop.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow"' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and 'href="javascript' not in html
    assert html.index('data-seq="1"') < html.index('data-seq="2"') < html.index('data-seq="3"')
    assert "message--visitor" in html and "message--agent" in html and "message--note" in html
    assert 'data-customer-live="/console/customers/' in html  # the customers panel fragment, embedded


def test_unknown_conversation_is_404(auth, make_agent):
    auth.login(make_agent().email)
    assert auth.client.get("/console/inbox/999").status_code == 404


def test_resolve_and_reopen_need_csrf(auth, post_form, chats):
    auth.login(chats["me"].email)
    conversation_id = chats["free"].id
    path = f"/console/inbox/{conversation_id}/status"
    assert auth.client.post(path, data={"status": "resolved"}).status_code == 400
    assert db.session.get(Conversation, conversation_id).status == "open"
    response = post_form(path, {"status": "resolved"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/console/inbox/{conversation_id}")
    assert db.session.get(Conversation, conversation_id).status == "resolved"
    assert "Reopen" in auth.client.get(f"/console/inbox/{conversation_id}").get_data(as_text=True)
    assert post_form(path, {"status": "open"}).status_code == 302
    assert db.session.get(Conversation, conversation_id).status == "open"
    assert post_form(path, {"status": "closed"}).status_code == 400


def test_set_status_announces_to_the_inbox_room_and_the_widget(app, monkeypatch, chats):
    sent = []
    monkeypatch.setattr("app.services.platform.realtime.emit",
                        lambda event, payload, **kw: sent.append((event, payload, kw)))
    conversation_id = chats["free"].id
    inbox.set_status(conversation_id, "pending", by=CLI)
    assert [(event, kw) for event, _, kw in sent] == [
        ("conversation_updated", {"room": "inbox", "namespace": "/console"}),
        ("conversation_updated", {"room": f"conversation:{conversation_id}", "namespace": "/chat"})]
    assert sent[0][1]["status"] == sent[1][1]["status"] == "pending"
    assert "assignee_id" in sent[0][1] and "assignee_id" not in sent[1][1]  # the widget's view is narrower
