"""An email a browser claims never grants access to what was filed under that email (security
review, item 1). Written as the attacker: Attacker is a real shopper whose page identify is signed
for their own customer id, and who also sends the victim's address; every way a request reaches a
profile by email is then tried, over SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, OutboxEmail, Ticket
from app.services.access import api_keys, widget_identity
from app.services.access import sign_in_links as customer_access
from app.services.access.visitor_tokens import Visitor
from app.services.customers import emails
from app.services.errors import NotFoundError
from app.services.platform.audit import CLI
from app.services.shop_events.browser import BrowserEventsSchema, record_browser_events
from app.services.shop_events.ingestion import ingest_events
from app.services.tickets import widget_requests
from app.services.tickets.email import inbound as inbound_email
from app.services.tickets.intake import Requester, TicketRequest, create_ticket
from tests.support.shop_events import event, identify

VICTIM = "victim@example.com"
SHOP = "https://shop.example"


@pytest.fixture
def shop(any_app):
    any_app.config["HELPDESK_ALLOWED_ORIGINS"] = [SHOP]
    return any_app


def claim_from_browser(customer_id: str, email: str, anonymous_id: str = "anon-attacker") -> None:
    """The attacker's page: identify signed (user_hash) for their own id, with someone else's email."""
    record_browser_events(BrowserEventsSchema().load({
        "anonymous_id": anonymous_id, "customer_id": customer_id,
        "user_hash": widget_identity.user_hash(customer_id),
        "events": [event("identify", email=email, name="Mallory")]}))


def server_identify(customer_id: str, email: str, name: str = "Vera") -> None:
    ingest_events([identify(customer_id, email=email, name=name)], source="api")


def profile(external_id: str) -> Customer:
    return db.session.scalar(select(Customer).where(Customer.external_id == external_id))


def requester_of(ticket_id: int) -> int:
    return db.session.scalar(select(Ticket.requester_id).where(Ticket.id == ticket_id))


def api_ticket(client, email: str) -> int:
    key = api_keys.create_api_key("Shop", by=CLI).secret
    response = client.post("/api/v1/tickets", headers={"Authorization": f"Bearer {key}"},
                           json={"subject": "Where is my parcel?", "body": "Order 7 has not arrived.", "email": email})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def inbound(email: str, subject: str = "Refund please") -> int:
    raw = (f"From: Vera <{email}>\r\nTo: help@shop.example\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '-')}@mail.example>\r\n\r\nPlease refund order 9.\r\n").encode()
    return inbound_email.receive(raw).ticket_id


def attacker() -> Visitor:
    return Visitor("anon-attacker", "c-attacker")


def attackers_widget_sees(ticket_id: int) -> bool:
    listed = {r.id for r in widget_requests.list_requests(attacker())}
    try:
        widget_requests.open_request(attacker(), ticket_id)
    except NotFoundError:
        return ticket_id in listed
    return True


@pytest.mark.parametrize("claim_first", [True, False], ids=["claim-first", "claim-later"])
def test_tickets_filed_for_an_address_never_reach_a_profile_that_claimed_it(shop, claim_first):
    client = shop.test_client()
    if claim_first:
        claim_from_browser("c-attacker", VICTIM)
    from_api, from_email = api_ticket(client, VICTIM), inbound(VICTIM)
    if not claim_first:
        claim_from_browser("c-attacker", VICTIM)
    mallory = profile("c-attacker")
    assert mallory.email == VICTIM and mallory.verified_email is None  # a contact address, not a key
    for ticket_id in (from_api, from_email, api_ticket(client, VICTIM)):
        assert requester_of(ticket_id) != mallory.id
        assert not attackers_widget_sees(ticket_id)
        with pytest.raises(NotFoundError):
            widget_requests.reply(attacker(), ticket_id, "I am Vera, send the refund here", client_key="k1")
    # Everything filed for the address went to one profile: the address's own.
    assert len({requester_of(t) for t in (from_api, from_email)}) == 1


def test_the_attackers_widget_over_http_lists_none_of_the_victims_requests(shop):
    client = shop.test_client()
    server_identify("c-victim", VICTIM)
    victims = api_ticket(client, VICTIM)
    claim_from_browser("c-attacker", VICTIM)
    answer = client.post("/api/v1/widget/session", headers={"Origin": SHOP}, json={
        "anonymous_id": "anon-attacker", "customer_id": "c-attacker",
        "user_hash": widget_identity.user_hash("c-attacker")})
    auth = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    listed = client.get("/api/v1/widget/requests", headers=auth)
    assert listed.status_code == 200 and listed.get_json()["requests"] == []
    assert client.get(f"/api/v1/widget/requests/{victims}", headers=auth).status_code == 404
    reply = client.post(f"/api/v1/widget/requests/{victims}/replies", headers=auth,
                        json={"body": "It is me", "client_key": "k-1"})
    assert reply.status_code == 404
    assert requester_of(victims) == profile("c-victim").id


def test_the_help_centers_form_files_under_the_address_not_under_the_claimant(shop):
    claim_from_browser("c-attacker", VICTIM)
    client = shop.test_client()
    html = client.get("/help/requests/new").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="(\w+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/help/requests/new", data={
        "csrf_token": csrf, "client_key": key, "name": "Vera", "email": VICTIM, "subject": "Broken mug",
        "body": "My order came with a broken mug."})
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.channel == "help_center"))
    assert ticket.requester_id != profile("c-attacker").id
    assert not attackers_widget_sees(ticket.id)


def sign_in_links(to: str) -> list[str]:
    texts = db.session.scalars(select(OutboxEmail.text_body).where(OutboxEmail.to_address == to)).all()
    return [link for text in texts for link in re.findall(r"https?://\S+/help/sign-in/\S+", text)]


def test_a_sign_in_by_the_claimed_address_never_opens_the_claimants_profile(shop):
    claim_from_browser("c-attacker", VICTIM)
    customer_access.request_sign_in(VICTIM)
    assert sign_in_links(VICTIM) == []  # the address belongs to nobody yet: nothing is sent
    server_identify("c-victim", VICTIM)
    customer_access.request_sign_in(VICTIM)
    (link,) = sign_in_links(VICTIM)
    _token, _path = customer_access.redeem(link.rsplit("/", 1)[1])
    signed_in = customer_access.customer_for_session(_token)
    assert signed_in.external_id == "c-victim"


def test_the_claimants_own_request_is_acknowledged_to_the_claimed_address_without_a_link(shop):
    """Whoever typed the address may not own it: a link there would sign its owner into the
    claimant's profile (and whatever they then wrote, the claimant would read)."""
    claim_from_browser("c-attacker", VICTIM)
    create_ticket(TicketRequest(subject="Hello", body="Please call me", channel="widget",  # from their widget
                                requester=Requester(external_id="c-attacker")), by=CLI)
    sent = db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == VICTIM)).all()
    assert [e.kind for e in sent] == ["ticket_received"]
    assert sign_in_links(VICTIM) == []


def test_the_shops_server_is_the_one_that_makes_an_address_a_customers(shop):
    claim_from_browser("c-shopper", "shopper@example.com", anonymous_id="anon-shopper")
    assert emails.find_by_address("shopper@example.com") is None
    server_identify("c-shopper", "shopper@example.com")
    assert emails.find_by_address("Shopper@Example.com ").external_id == "c-shopper"
    # A later claim from the page changes the contact address, not what the server vouched for.
    claim_from_browser("c-shopper", "elsewhere@example.com", anonymous_id="anon-shopper")
    shopper = profile("c-shopper")
    assert (shopper.email, shopper.verified_email) == ("elsewhere@example.com", "shopper@example.com")
    assert emails.find_by_address("elsewhere@example.com") is None


def test_an_anonymous_visitors_claim_stays_a_claim_when_they_sign_in(shop):
    record_browser_events(BrowserEventsSchema().load({
        "anonymous_id": "anon-m", "events": [event("identify", email=VICTIM)]}))
    claim_from_browser("c-attacker", "mallory@example.com", anonymous_id="anon-m")  # merges anon-m in
    assert emails.find_by_address(VICTIM) is None
    assert profile("c-attacker").verified_email is None
