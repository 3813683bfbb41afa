"""Collision detection on the ticket page: agents see who else has a ticket open and who is
writing in it, over the /console socket; a closed console counts as gone."""

from __future__ import annotations

from app.extensions import socketio
from app.services.platform.audit import CLI
from app.services.tickets import updates
from tests.conftest import AuthActions
from tests.support.html import csrf_from
from tests.tickets.test_views import make_ticket

CONSOLE = "/console"


def agent_socket(app, make_agent, name: str):
    client = app.test_client()
    AuthActions(client).login(make_agent(name=name).email)
    token = csrf_from(client.get("/console/").get_data(as_text=True))
    return socketio.test_client(app, namespace=CONSOLE, flask_test_client=client, auth={"csrf_token": token})


def call(sio, event: str, data=None):
    return sio.emit(event, data, namespace=CONSOLE, callback=True)


def received(sio, name: str) -> list[dict]:
    return [m["args"][0] for m in sio.get_received(CONSOLE) if m["name"] == name]


def names(viewers: list[dict]) -> list[str]:
    return [v["display_name"] for v in viewers]


def test_agents_see_who_else_has_the_ticket_open_and_who_is_writing(app, make_agent):
    ticket, other = make_ticket(1), make_ticket(2)
    bea, chris = agent_socket(app, make_agent, "Bea"), agent_socket(app, make_agent, "Chris")
    assert names(call(bea, "open_ticket", {"ticket_id": ticket.id})["viewers"]) == ["Bea"]
    bea.get_received(CONSOLE)
    assert names(call(chris, "open_ticket", {"ticket_id": ticket.id})["viewers"]) == ["Bea", "Chris"]
    assert [names(v["viewers"]) for v in received(bea, "ticket_viewers_changed")] == [["Bea", "Chris"]]

    assert call(chris, "ticket_typing", {"ticket_id": ticket.id, "typing": True})["ok"]
    typing = received(bea, "ticket_typing")
    assert [(t["agent_name"], t["typing"], t["internal"]) for t in typing] == [("Chris", True, False)]

    # Chris moves to another ticket, then closes the console: Bea sees the viewers change each time.
    call(chris, "open_ticket", {"ticket_id": other.id})
    assert [names(v["viewers"]) for v in received(bea, "ticket_viewers_changed")] == [["Bea"]]
    call(chris, "open_ticket", {"ticket_id": ticket.id})
    bea.get_received(CONSOLE)
    chris.disconnect(CONSOLE)
    assert [names(v["viewers"]) for v in received(bea, "ticket_viewers_changed")] == [["Bea"]]
    assert call(bea, "close_ticket", {"ticket_id": ticket.id})["ok"]


def test_bad_ticket_commands_are_refused_with_a_reason(app, make_agent):
    bea = agent_socket(app, make_agent, "Bea")
    assert call(bea, "open_ticket", {"ticket_id": 999})["error"]["code"] == "not_found"
    assert call(bea, "open_ticket", {"ticket_id": "1"})["error"]["code"] == "invalid"
    assert call(bea, "ticket_typing", None)["error"]["code"] == "invalid"
    assert bea.is_connected(CONSOLE)


def test_a_change_by_someone_else_is_announced_to_the_ticket_page(app, make_agent):
    ticket = make_ticket(1)
    bea = agent_socket(app, make_agent, "Bea")
    call(bea, "open_ticket", {"ticket_id": ticket.id})
    bea.get_received(CONSOLE)
    updates.update_ticket(ticket.id, {"priority": "high"}, expected_version=ticket.version, by=CLI)
    assert [(u["id"], u["version"]) for u in received(bea, "ticket_updated")] == [(ticket.id, 2)]
