"""Canned responses pages over HTTP: who may open and post what, CSRF, messages next to fields,
stale edits, other agents' private responses (404), escaping, and the settings navigation."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import AuditEvent, CannedResponse
from app.services.knowledge import canned_responses as canned
from app.services.knowledge.canned_responses import TEAM, Draft
from app.services.platform.audit import CLI

TEAM_URL = "/console/settings/canned-responses"
OWN_URL = "/console/account/canned-responses"
FORM = {"title": "Shipping times", "shortcut": "ship", "body": "Hi {{customer.first_name|there}}, 2 days."}


def _make(owner_id, shortcut: str = "ship", title: str = "Shipping times") -> CannedResponse:
    return canned.create_response(Draft(title, shortcut, "We ship in 1 day."), owner_id=owner_id, by=CLI)


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(CannedResponse.id)))


@pytest.mark.parametrize("path", [TEAM_URL, OWN_URL, f"{TEAM_URL}/1", f"{OWN_URL}/1"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "path", "status"), [
    ("agent", TEAM_URL, 403), ("admin", TEAM_URL, 200), ("agent", OWN_URL, 200), ("admin", OWN_URL, 200),
])
def test_page_access_by_role(make_agent, auth, role, path, status):
    auth.login(make_agent(role).email)
    assert auth.client.get(path).status_code == status


@pytest.mark.parametrize("suffix", ["", "/{id}", "/{id}/delete"])
def test_agents_cannot_post_team_forms(make_agent, auth, post_form, suffix):
    team = _make(TEAM)
    auth.login(make_agent("agent").email)
    response = post_form(TEAM_URL + suffix.format(id=team.id), {**FORM, "shortcut": "new"}, page=OWN_URL)
    assert response.status_code == 403
    assert _count() == 1 and db.session.get(CannedResponse, team.id).shortcut == "ship"


def test_admin_creates_edits_and_deletes_a_team_response(admin, post_form, client):
    response = post_form(TEAM_URL, FORM, page=TEAM_URL)
    assert response.status_code == 302 and response.headers["Location"].endswith(TEAM_URL)
    saved = db.session.scalar(db.select(CannedResponse))
    page = client.get(TEAM_URL).get_data(as_text=True)
    assert "Shipping times" in page and "/ship" in page and "Type /ship in an empty reply" in page
    assert 'aria-current="page">Canned responses<' in page  # the settings tab

    edit = client.get(f"{TEAM_URL}/{saved.id}").get_data(as_text=True)
    assert "Edit “Shipping times”" in edit and f'name="version" type="hidden" value="{saved.version}"' in edit
    changed = {**FORM, "title": "Delivery times", "version": str(saved.version)}
    assert post_form(f"{TEAM_URL}/{saved.id}", changed, page=TEAM_URL).status_code == 302
    assert db.session.get(CannedResponse, saved.id).title == "Delivery times"

    assert post_form(f"{TEAM_URL}/{saved.id}/delete", page=TEAM_URL).status_code == 302
    assert _count() == 0
    again = post_form(f"{TEAM_URL}/{saved.id}/delete", page=TEAM_URL)  # a second click
    assert again.status_code == 302 and "does not exist any more" in client.get(TEAM_URL).get_data(as_text=True)
    actions = list(db.session.scalars(
        db.select(AuditEvent.action).where(AuditEvent.action.like("canned%")).order_by(AuditEvent.id)))
    assert actions == ["canned_response.created", "canned_response.updated", "canned_response.deleted"]


def test_posts_without_csrf_change_nothing(admin, client):
    team = _make(TEAM)
    assert client.post(TEAM_URL, data=FORM).status_code == 400
    assert client.post(f"{TEAM_URL}/{team.id}", data={**FORM, "title": "X"}).status_code == 400
    assert client.post(f"{TEAM_URL}/{team.id}/delete").status_code == 400
    assert _count() == 1 and db.session.get(CannedResponse, team.id).title == "Shipping times"


@pytest.mark.parametrize(("data", "status", "message"), [
    ({**FORM, "title": ""}, 400, "Enter a title."),
    ({**FORM, "shortcut": "Two words"}, 400, "lower-case letters, digits"),
    ({**FORM, "body": "Hi {{customer.age}}"}, 400, "Unknown placeholder {{customer.age}}"),
    ({**FORM, "body": "x" * 5001}, 400, "Keep the text to 5,000 characters"),
])
def test_bad_input_is_explained_next_to_the_field_and_the_text_is_kept(make_agent, auth, post_form, data, status,
                                                                        message):
    auth.login(make_agent().email)
    response = post_form(OWN_URL, data, page=OWN_URL)
    html = response.get_data(as_text=True)
    assert response.status_code == status and _count() == 0
    error = re.search(r'<p class="field__error" id="(\w+)-error">([^<]*)</p>', html)
    assert error and message in error.group(2).replace("&#34;", '"')
    assert f'aria-describedby="{error.group(1)}-hint {error.group(1)}-error"' in html
    assert (data["body"][:50] in html) and 'aria-invalid="true"' in html


def test_a_taken_shortcut_is_a_409_and_an_identical_resend_is_saved_once(make_agent, auth, post_form):
    auth.login(make_agent().email)
    assert post_form(OWN_URL, FORM, page=OWN_URL).status_code == 302
    assert post_form(OWN_URL, FORM, page=OWN_URL).status_code == 302  # the same form sent twice
    taken = post_form(OWN_URL, {**FORM, "body": "Something else"}, page=OWN_URL)
    assert taken.status_code == 409 and "You already have a response with the shortcut /ship." in taken.get_data(
        as_text=True)
    assert _count() == 1


def test_a_stale_edit_is_refused_keeps_the_text_and_a_second_save_wins(admin, post_form, client):
    team = _make(TEAM)
    opened = team.version
    canned.update_response(team.id, Draft("Shipping times", "ship", "A colleague's text."), owner_id=TEAM, by=CLI)
    mine = {**FORM, "body": "My careful rewrite.", "version": str(opened)}
    refused = post_form(f"{TEAM_URL}/{team.id}", mine, page=TEAM_URL)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Someone changed this response" in html and "My careful rewrite." in html
    newer = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert post_form(f"{TEAM_URL}/{team.id}", {**mine, "version": newer}, page=TEAM_URL).status_code == 302
    assert db.session.get(CannedResponse, team.id).body == "My careful rewrite."


def test_another_agents_private_response_is_a_404(make_agent, auth, post_form, client):
    owner, intruder = make_agent(), make_agent()
    private = _make(owner.id, title="Owner only")
    team = _make(TEAM, "team-ship")
    auth.login(intruder.email)
    for path in (f"{OWN_URL}/{private.id}", f"{OWN_URL}/{team.id}"):
        assert client.get(path).status_code == 404
        assert post_form(path, {**FORM, "title": "Mine now"}, page=OWN_URL).status_code == 404
    assert post_form(f"{OWN_URL}/{private.id}/delete", page=OWN_URL).status_code == 302  # nothing to delete here
    assert db.session.get(CannedResponse, private.id).title == "Owner only"
    assert "Owner only" not in client.get(OWN_URL).get_data(as_text=True)


def test_admins_do_not_see_agents_private_responses(make_agent, admin, client):
    private = _make(make_agent().id, title="Bea's own")
    assert client.get(f"{TEAM_URL}/{private.id}").status_code == 404
    assert "Bea&#39;s own" not in client.get(TEAM_URL).get_data(as_text=True)


def test_user_text_is_escaped(admin, client):
    _make(TEAM, title="<img src=x onerror=alert(1)>")
    page = client.get(TEAM_URL).get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_account_page_links_to_my_canned_responses(make_agent, auth):
    auth.login(make_agent().email)
    assert f'href="{OWN_URL}"' in auth.client.get("/console/account").get_data(as_text=True)
