"""Reports › Support in the console: any signed-in agent sees the period's figures with charts and
tables; a backwards range or one of ten years is refused with the reason (400); the CSV has one
row per day with the same numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from app.extensions import db
from app.models import Conversation, Customer, Survey
from app.models.base import utcnow

URL = "/console/reports"


def answered_chat(rating: str = "good") -> None:
    customer = Customer(external_id=f"c-{rating}", stage="retention")
    db.session.add(customer)
    db.session.flush()
    now = utcnow()
    chat = Conversation(customer_id=customer.id, status="resolved", created_at=now, last_message_at=now)
    db.session.add(chat)
    db.session.flush()
    db.session.add(Survey(kind="csat", subject_key=f"conversation:{chat.id}", customer_id=customer.id,
                          conversation_id=chat.id, stage="retention", channel="chat", asked_via="widget",
                          asked_at=now, answered_at=now, answered_via="widget", rating=rating,
                          comment="<b>bold</b>"))
    db.session.commit()


def test_the_signed_out_go_to_the_login(client):
    assert client.get(URL).status_code == 302


def test_an_agent_sees_todays_answer_in_the_charts_data_and_tables(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    answered_chat("good")
    answered_chat("bad")
    page = client.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-chart="csat"' in html and "vendor/chart.umd.min.js" in html
    assert '<dd data-total="csat">50.0 %</dd>' in html and '<dd data-total="conversations">2</dd>' in html
    today = utcnow().date().isoformat()
    assert f'<tr data-day="{today}">' in html and '"good": [0,' in html.replace("\n", "")
    assert '<th scope="row">Retention</th><td data-label="Good" class="num">1</td>' in html
    assert re.search(r'<a[^>]*href="/console/reports"[^>]*aria-current="page"|<a[^>]*aria-current="page"[^>]*'
                     r'href="/console/reports"', html)


def test_bad_ranges_are_refused_with_the_reason(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    today = utcnow().date()
    earlier = (today - timedelta(days=3)).isoformat()
    backwards = client.get(URL, query_string={"start": today.isoformat(), "end": earlier})
    assert backwards.status_code == 400 and "The end date is before the start date." in backwards.get_data(as_text=True)
    decade_ago = (today - timedelta(days=3650)).isoformat()
    decade = client.get(URL, query_string={"start": decade_ago, "end": today.isoformat()})
    assert decade.status_code == 400 and "Choose at most 366 days." in decade.get_data(as_text=True)
    garbage = client.get(URL, query_string={"start": "yesterday"})
    assert garbage.status_code == 400 and "Not a valid date" in garbage.get_data(as_text=True)
    assert client.get(f"{URL}/support.csv", query_string={"start": today.isoformat(),
                                                          "end": "2001-01-01"}).status_code == 400


def test_the_csv_has_a_row_per_day(client, make_agent, auth):
    auth.login(make_agent("agent").email)
    answered_chat("good")
    today = utcnow().date()
    response = client.get(f"{URL}/support.csv", query_string={"start": (today - timedelta(days=6)).isoformat(),
                                                              "end": today.isoformat()})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 7 and rows[-1] == {"day": today.isoformat(), "conversations": "1", "tickets_created": "0",
                                           "tickets_solved": "0", "csat_good": "1", "csat_bad": "0"}
