"""The composer's canned responses endpoints: sign-in, team + own only, text filled for the
conversation's customer and the signed-in agent, and 404s that reveal nothing."""

from __future__ import annotations

import pytest

from app.services.knowledge import canned_responses as canned
from app.services.knowledge.canned_responses import TEAM, Draft
from app.services.platform.audit import CLI
from tests.factories import make_conversation, make_customer
from tests.support.shop_events import KETTLE

JSON = {"Accept": "application/json"}


@pytest.fixture
def chat(app):
    return make_conversation("anon-omar", make_customer("cust-omar", name="Omar <b>Haddad</b>", cart=(KETTLE,)))


@pytest.fixture
def setup(make_agent, chat):
    me, other = make_agent(name="Bea Santos"), make_agent()
    body = "Hi {{customer.first_name|there}}, your cart is {{cart.total}} (order {{order.last_number}}). {{agent.name}}"
    return {
        "me": me, "chat": chat,
        "team": canned.create_response(Draft("Cart help", "cart", body), owner_id=TEAM, by=CLI),
        "mine": canned.create_response(Draft("Shipping", "ship", "Ships today."), owner_id=me.id, by=CLI),
        "theirs": canned.create_response(Draft("Secret", "ship", "Not for Bea."), owner_id=other.id, by=CLI),
    }


def _url(setup, suffix: str = "") -> str:
    return f"/console/inbox/{setup['chat'].id}/canned-responses{suffix}"


def test_anonymous_is_sent_to_sign_in(client, setup):
    for path in (_url(setup), _url(setup, f"/{setup['team'].id}")):
        response = client.get(path, headers=JSON)
        assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_list_has_the_teams_and_my_own_with_previews(auth, setup):
    auth.login(setup["me"].email)
    response = auth.client.get(_url(setup), headers=JSON)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = response.get_json()["responses"]
    assert [(r["shortcut"], r["scope"]) for r in rows] == [("cart", "team"), ("ship", "own")]
    assert rows[0]["preview"] == "Hi Omar, your cart is 39.00 EUR (order). Bea Santos"
    assert [r["shortcut"] for r in auth.client.get(_url(setup) + "?q=/sh", headers=JSON).get_json()["responses"]] \
        == ["ship"]


def test_one_response_is_filled_for_the_customer_and_agent_as_plain_text(auth, setup):
    auth.login(setup["me"].email)
    data = auth.client.get(_url(setup, f"/{setup['team'].id}"), headers=JSON).get_json()
    assert data["text"] == "Hi Omar, your cart is 39.00 EUR (order). Bea Santos"
    assert data["missing"] == ["order.last_number"] and data["title"] == "Cart help"


def test_customer_name_with_markup_is_returned_as_text(auth, setup):
    """The name is a shop's data: JSON carries it as a string; the browser puts it in .value."""
    auth.login(setup["me"].email)
    response = canned.create_response(Draft("Name", "name", "{{customer.name}}"), owner_id=TEAM, by=CLI)
    data = auth.client.get(_url(setup, f"/{response.id}"), headers=JSON).get_json()
    assert data["text"] == "Omar <b>Haddad</b>"


@pytest.mark.parametrize("case", ["theirs", "missing-response", "missing-conversation"])
def test_what_is_not_mine_or_not_there_is_a_json_404(auth, setup, case):
    auth.login(setup["me"].email)
    path = {
        "theirs": _url(setup, f"/{setup['theirs'].id}"),
        "missing-response": _url(setup, "/9999"),
        "missing-conversation": f"/console/inbox/9999/canned-responses/{setup['team'].id}",
    }[case]
    response = auth.client.get(path, headers=JSON)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert "Not for Bea" not in response.get_data(as_text=True)


def test_the_conversation_page_has_the_picker(auth, setup):
    auth.login(setup["me"].email)
    html = auth.client.get(f"/console/inbox/{setup['chat'].id}").get_data(as_text=True)
    assert f'data-canned-url="{_url(setup)}"' in html and 'role="listbox"' in html
    assert "/static/js/canned.js" in html
