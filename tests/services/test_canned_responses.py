"""Canned responses without HTTP: who may do what, shortcuts unique per scope on both databases,
resends and stale edits, search, audit, rendering for a conversation, and the demo seed."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.demo import seed
from app.extensions import db
from app.models import AuditEvent, CannedResponse
from app.services.conversations import canned as composer
from app.services.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from app.services.knowledge import canned_responses as canned
from app.services.knowledge.canned_responses import TEAM, Draft
from app.services.platform.audit import CLI, Actor
from tests.factories import make_conversation, make_customer
from tests.support.shop_events import MUG


def _draft(shortcut: str = "ship", title: str = "Shipping times", body: str = "We ship in 1 day.") -> Draft:
    return Draft(title=title, shortcut=shortcut, body=body)


def _audit_actions() -> list[str]:
    return list(db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("canned_response.%")).order_by(AuditEvent.id)))


@pytest.fixture
def people(make_agent):
    return {"admin": make_agent("admin"), "agent": make_agent("agent"), "other": make_agent("agent")}


@pytest.fixture
def targets(people):
    """One response in each scope: the team's, each role's own, and the other agent's private one."""
    return {
        "team": canned.create_response(_draft("team-one"), owner_id=TEAM, by=CLI),
        "own-admin": canned.create_response(_draft("mine"), owner_id=people["admin"].id, by=CLI),
        "own-agent": canned.create_response(_draft("mine"), owner_id=people["agent"].id, by=CLI),
        "other": canned.create_response(_draft("theirs"), owner_id=people["other"].id, by=CLI),
    }


OK, DENIED, HIDDEN = "ok", PermissionDeniedError, NotFoundError
MATRIX = {  # (role, scope) -> outcome of create, edit, delete, use
    ("admin", "team"): (OK, OK, OK, OK),
    ("agent", "team"): (DENIED, DENIED, DENIED, OK),
    ("admin", "own"): (OK, OK, OK, OK),
    ("agent", "own"): (OK, OK, OK, OK),
    ("admin", "other"): (DENIED, DENIED, DENIED, HIDDEN),
    ("agent", "other"): (DENIED, DENIED, DENIED, HIDDEN),
}
ACTIONS = ("create", "edit", "delete", "use")


def _act(action: str, target: CannedResponse, owner_id, agent):
    by = Actor.agent(agent)
    if action == "create":
        return canned.create_response(_draft("brand-new"), owner_id=owner_id, by=by)
    if action == "edit":
        return canned.update_response(target.id, _draft(target.shortcut, body="Changed."), owner_id=owner_id, by=by)
    if action == "delete":
        return canned.delete_response(target.id, owner_id=owner_id, by=by)
    return canned.get_usable(target.id, agent)


@pytest.mark.parametrize(("role", "scope", "action"), [(r, s, a) for (r, s) in MATRIX for a in ACTIONS])
def test_permissions(people, targets, role, scope, action):
    agent = people[role]
    target = targets[f"own-{role}" if scope == "own" else scope]
    owner_id = {"team": TEAM, "own": agent.id, "other": people["other"].id}[scope]
    expected = MATRIX[(role, scope)][ACTIONS.index(action)]
    if expected is OK:
        _act(action, target, owner_id, agent)
    else:
        with pytest.raises(expected):
            _act(action, target, owner_id, agent)
        assert db.session.get(CannedResponse, target.id).body == "We ship in 1 day."  # unchanged


def test_a_deactivated_admin_manages_nothing(people):
    admin = people["admin"]
    admin.active = False
    db.session.commit()
    with pytest.raises(PermissionDeniedError):
        canned.create_response(_draft(), owner_id=TEAM, by=Actor.agent(admin))


def test_usable_responses_are_the_teams_and_ones_own(people, targets):
    shortcuts = {r.shortcut: r.owner_agent_id for r in canned.usable_responses(people["agent"])}
    assert shortcuts == {"team-one": None, "mine": people["agent"].id}


def test_shortcuts_are_unique_per_scope(any_app, make_agent):
    bea, chris = make_agent(), make_agent()
    for owner_id in (TEAM, bea.id, chris.id):  # the same shortcut once in each scope is fine
        canned.create_response(_draft(), owner_id=owner_id, by=CLI)
    for owner_id in (TEAM, bea.id):
        with pytest.raises(ConflictError) as error:
            canned.create_response(_draft(body="Another text."), owner_id=owner_id, by=CLI)
        assert error.value.field == "shortcut" and "/ship" in error.value.message


@pytest.mark.parametrize("scope", ["team", "agent"])
def test_the_database_refuses_a_second_shortcut_in_a_scope(any_app, make_agent, scope):
    """Even past the service: NULL owners do not collide in a UNIQUE constraint, the partial index does."""
    owner_id = None if scope == "team" else make_agent().id
    for _ in range(2):
        db.session.add(CannedResponse(owner_agent_id=owner_id, title="T", shortcut="dup", body="B"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_create_racing_an_identical_one_returns_the_stored_row(any_app, monkeypatch):
    first = canned.create_response(_draft(), owner_id=TEAM, by=CLI)
    real, calls = canned.find_by_shortcut, []

    def read_before_the_other_insert(owner_id, shortcut):
        calls.append(shortcut)
        return None if len(calls) == 1 else real(owner_id, shortcut)

    monkeypatch.setattr(canned, "find_by_shortcut", read_before_the_other_insert)
    again = canned.create_response(_draft(), owner_id=TEAM, by=CLI)  # the insert hits the unique index
    assert again.id == first.id and len(calls) == 2
    assert db.session.scalar(db.select(db.func.count(CannedResponse.id))) == 1


def test_sending_the_same_new_response_twice_stores_it_once(people):
    by = Actor.agent(people["admin"])
    first = canned.create_response(_draft(shortcut="/Ship "), owner_id=TEAM, by=by)
    second = canned.create_response(_draft(), owner_id=TEAM, by=by)
    assert first.id == second.id and first.shortcut == "ship"
    assert _audit_actions() == ["canned_response.created"]


def test_an_edit_of_an_older_version_is_refused_and_an_unchanged_resend_is_a_no_op(people):
    by = Actor.agent(people["admin"])
    response = canned.create_response(_draft(), owner_id=TEAM, by=by)
    opened = response.version
    canned.update_response(response.id, _draft(body="Two days."), owner_id=TEAM, by=by, version=opened)
    assert canned.update_response(response.id, _draft(body="Two days."), owner_id=TEAM, by=by,
                                  version=opened).version == opened + 1  # the same form again: nothing new
    with pytest.raises(ConflictError, match="changed this response"):
        canned.update_response(response.id, _draft(body="Three days."), owner_id=TEAM, by=by, version=opened)
    assert db.session.get(CannedResponse, response.id).body == "Two days."
    assert _audit_actions() == ["canned_response.created", "canned_response.updated"]
    updated = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "canned_response.updated"))
    assert updated.details == {"shortcut": "ship", "title": "Shipping times", "changed": "body"}


def test_renaming_onto_a_taken_shortcut_is_a_conflict(people):
    by = Actor.agent(people["agent"])
    canned.create_response(_draft("one"), owner_id=people["agent"].id, by=by)
    two = canned.create_response(_draft("two"), owner_id=people["agent"].id, by=by)
    with pytest.raises(ConflictError, match="You already have"):
        canned.update_response(two.id, _draft("one"), owner_id=people["agent"].id, by=by)


def test_only_team_responses_are_audited_and_a_delete_twice_is_not_found(people):
    admin, agent = Actor.agent(people["admin"]), Actor.agent(people["agent"])
    team = canned.create_response(_draft(), owner_id=TEAM, by=admin)
    own = canned.create_response(_draft(), owner_id=people["agent"].id, by=agent)
    canned.update_response(own.id, _draft(body="Mine."), owner_id=people["agent"].id, by=agent)
    canned.delete_response(own.id, owner_id=people["agent"].id, by=agent)
    assert canned.delete_response(team.id, owner_id=TEAM, by=admin) == "Shipping times"
    with pytest.raises(NotFoundError):
        canned.delete_response(team.id, owner_id=TEAM, by=admin)
    assert _audit_actions() == ["canned_response.created", "canned_response.deleted"]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "canned_response.deleted"))
    assert event.actor_id == people["admin"].id and event.details["shortcut"] == "ship"


@pytest.mark.parametrize(("draft", "field"), [
    (_draft(title="  "), "title"), (_draft(title="x" * 121), "title"),
    (_draft(shortcut="has space"), "shortcut"), (_draft(shortcut="-dash"), "shortcut"),
    (_draft(shortcut="x" * 33), "shortcut"), (_draft(shortcut="ümlaut"), "shortcut"),
    (_draft(body=" \n "), "body"), (_draft(body="x" * 5001), "body"), (_draft(body="Hi {{customer.age}}"), "body"),
])
def test_bad_input_is_refused_with_the_field_named(app, draft, field):
    with pytest.raises(DomainError) as error:
        canned.create_response(draft, owner_id=TEAM, by=CLI)
    assert error.value.field == field and error.value.message
    assert db.session.scalar(db.select(CannedResponse.id)) is None


def test_text_is_stored_with_plain_line_breaks_and_5000_characters_fit(app):
    response = canned.create_response(_draft(body="Hello\r\nthere\r\n" + "x" * 4988), owner_id=TEAM, by=CLI)
    assert response.body.startswith("Hello\nthere\nx") and len(response.body) == 5000


def test_search_by_shortcut_or_title_exact_shortcut_first(people):
    for shortcut, title in [("shipping-eu", "Shipping in the EU"), ("ship", "Shipping times"),
                            ("returns", "Returns and refunds"), ("gift", "Gift wrapping: 100% free")]:
        canned.create_response(_draft(shortcut, title), owner_id=TEAM, by=CLI)
    agent = people["agent"]
    assert [r.shortcut for r in canned.usable_responses(agent, "/ship")] == ["ship", "shipping-eu"]
    assert [r.shortcut for r in canned.usable_responses(agent, "REFUND")] == ["returns"]
    assert [r.shortcut for r in canned.usable_responses(agent, "100%")] == ["gift"]
    assert [r.shortcut for r in canned.usable_responses(agent, "0_")] == []  # % and _ are literal
    assert len(canned.usable_responses(agent, "")) == 4


@pytest.fixture
def chat(app):
    return make_conversation("anon-lena", make_customer("cust-lena", name="Lena Fischer", cart=(MUG,), orders=1))


def test_render_for_a_conversation_uses_its_customer_and_the_agent(people, chat):
    body = "Hi {{customer.first_name}}, {{cart.total}} in the cart; order {{order.last_number}}. {{agent.first_name}}"
    response = canned.create_response(_draft(body=body), owner_id=TEAM, by=CLI)
    _, rendered = composer.render_for_conversation(response.id, chat.id, people["agent"])
    name = people["agent"].display_name.split()[0]
    assert rendered.text == f"Hi Lena, 25.00 EUR in the cart; order cust-lena-order-1. {name}"
    [suggestion] = composer.suggestions(chat.id, people["agent"], "ship")
    assert suggestion.preview.startswith("Hi Lena, 25.00 EUR")


def test_render_for_a_conversation_hides_other_agents_responses_and_unknown_conversations(people, targets, chat):
    with pytest.raises(NotFoundError):
        composer.render_for_conversation(targets["other"].id, chat.id, people["agent"])
    with pytest.raises(NotFoundError):
        composer.render_for_conversation(targets["team"].id, chat.id + 1, people["agent"])


def test_demo_seed_adds_team_and_own_responses_once(app):
    first, second = seed.seed_demo(), seed.seed_demo()
    assert first.canned_responses_created >= 5 and second.canned_responses_created == 0
    team = {r.shortcut for r in canned.list_responses(TEAM)}
    assert {"hello", "shipping", "returns", "cart"} <= team
    bea = db.session.scalar(db.select(CannedResponse.owner_agent_id).where(CannedResponse.owner_agent_id.is_not(None)))
    assert bea is not None
