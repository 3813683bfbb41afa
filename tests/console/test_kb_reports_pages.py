"""The console's Knowledge base › Reports and › Content gaps over HTTP: who may open them, the
filters and their defaults, a bad range in the page (400), and "Start a draft" to the editor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Article
from tests.services.test_kb_reports import contact, search
from tests.support.html import csrf_from

REPORTS, GAPS, DRAFT = "/console/kb/reports", "/console/kb/gaps", "/console/kb/gaps/draft"


@pytest.fixture
def agent(make_agent, auth):
    auth.login(make_agent("agent").email)


@pytest.fixture
def recent(app):
    """Yesterday: 5 English searches (3 without results; 2 with results, not opened), one visitor
    who asked a person 5 minutes later, and a Portuguese search without results."""
    yesterday = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    search("refund status", 0, yesterday, visitor="v1")
    contact("v1", yesterday + timedelta(minutes=5))
    search("status of my refund", 0, yesterday + timedelta(minutes=1))
    search("gift wrapping", 3, yesterday + timedelta(minutes=2))
    search("gift wrapping", 3, yesterday + timedelta(minutes=3))
    search("refund status", 0, yesterday + timedelta(minutes=4))
    search("reembolso", 0, yesterday, language="pt")
    db.session.commit()
    return yesterday.date()


def _stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', html)
    return match.group(1).strip() if match else ""


@pytest.mark.parametrize("path", [REPORTS, GAPS])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_anonymous_cannot_start_a_draft(client):
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    response = client.post(DRAFT, data={"csrf_token": token, "label": "refund", "language": "en"})
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert db.session.scalar(select(Article)) is None


def test_reports_show_the_last_30_days_by_default(agent, client, recent):
    html = client.get(REPORTS).get_data(as_text=True)
    today = datetime.now(UTC).date()
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html and f'value="{today.isoformat()}"' in html
    assert 'aria-current="page">Reports<' in html and 'aria-current="page">Knowledge base<' in html
    assert _stat(html, "searches") == "6" and _stat(html, "zero-result") == "66.7%"
    assert _stat(html, "click-through") == "0.0%" and _stat(html, "deflection") == "0.0%"  # v1 contacted
    assert 'data-kb-query="refund status"' in html and 'data-kb-language="pt"' in html
    assert '<th scope="col">' in html and "<caption" in html


def test_reports_filter_by_language_and_days(agent, client, recent):
    html = client.get(REPORTS, query_string={"language": "pt", "start": recent.isoformat(),
                                             "end": recent.isoformat()}).get_data(as_text=True)
    assert _stat(html, "searches") == "1" and 'data-kb-language="en"' not in html
    earlier = (recent - timedelta(days=5)).isoformat()
    html = client.get(REPORTS, query_string={"start": earlier, "end": earlier}).get_data(as_text=True)
    assert _stat(html, "searches") == "0" and "No searches in this period." in html


@pytest.mark.parametrize("path", [REPORTS, GAPS])
@pytest.mark.parametrize(("query", "message"), [
    ({"start": "2024-05-11", "end": "2024-05-10"}, "The end date is before the start date."),
    ({"start": "2023-01-01", "end": "2024-06-01"}, "Choose a range of at most 366 days."),
    ({"start": "not-a-date", "end": "2024-05-10"}, "Not a valid date value."),
])
def test_a_bad_range_is_explained_in_the_page(agent, client, path, query, message):
    response = client.get(path, query_string=query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_gaps_list_groups_and_start_a_draft(agent, client, recent):
    html = client.get(GAPS, query_string={"language": "en"}).get_data(as_text=True)
    assert 'aria-current="page">Content gaps<' in html
    assert re.findall(r'data-kb-gap="([^"]+)"', html) == ["refund status", "gift wrapping"]
    assert "Also asked as" in html and "status of my refund" in html  # the first group's other wording
    token = csrf_from(html)
    response = client.post(DRAFT, data={"csrf_token": token, "label": "refund status", "language": "en",
                                        "examples-0": "refund status", "examples-1": "status of my refund"})
    article = db.session.scalar(select(Article))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/kb/{article.id}")
    assert (article.title, article.slug, article.status) == ("Refund status", "refund-status", "draft")
    assert "- status of my refund" in article.body
    editor = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft \u201cRefund status\u201d started" in editor


def test_start_a_draft_needs_the_csrf_token(agent, client):
    response = client.post(DRAFT, data={"label": "refund", "language": "en"})
    assert response.status_code in (302, 400)
    assert db.session.scalar(select(Article)) is None


def test_articles_list_has_the_tabs(agent, client):
    html = client.get("/console/kb").get_data(as_text=True)
    assert 'aria-current="page">Articles<' in html and f'href="{GAPS}"' in html
