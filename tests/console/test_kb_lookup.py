"""The composer's knowledge-base lookup over HTTP: agents find public and internal articles (public
ones linked to the help center, internal ones to the editor), nothing is logged, and the refusals."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import KbSearch
from app.services.knowledge import articles as kb_articles
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI

LOOKUP = "/console/kb/lookup"


def _article(title: str, slug: str, *, visibility: str = "public", language: str = "en", status: str = "published"):
    return kb_articles.save_article(ArticleInput(
        title=title, slug=slug, body=f"{title}. Refunds reach your card within five working days.",
        language=language, status=status, visibility=visibility, category="Payments", tags=()), by=CLI)


@pytest.fixture
def articles(app):
    return {"public": _article("When will I get my refund?", "refund-timing"),
            "internal": _article("Refund approval limits", "refund-limits", visibility="internal"),
            "draft": _article("Refund draft", "refund-draft", status="draft"),
            "pt": _article("Reembolso refund", "reembolso", language="pt")}


def test_agents_find_public_and_internal_articles_and_nothing_is_logged(make_agent, auth, articles):
    auth.login(make_agent("agent").email)
    response = auth.client.get(LOOKUP, query_string={"q": "refund"})
    assert response.status_code == 200
    found = {a["title"]: a for a in response.get_json()["articles"]}
    assert set(found) == {"When will I get my refund?", "Refund approval limits"}  # no draft, no pt
    public, internal = found["When will I get my refund?"], found["Refund approval limits"]
    assert public == {"title": "When will I get my refund?", "url": "http://localhost/help/en/articles/refund-timing",
                      "snippet": public["snippet"], "internal": False, "language": "en"}
    assert "five working days" in public["snippet"] and "<" not in public["snippet"]
    assert internal["internal"] is True
    assert internal["url"] == f"http://localhost/console/kb/{articles['internal'].id}"
    assert db.session.query(KbSearch).count() == 0


def test_the_last_word_is_completed_and_lang_chooses_the_language(make_agent, auth, articles):
    auth.login(make_agent("agent").email)
    assert [a["title"] for a in auth.client.get(LOOKUP, query_string={"q": "reemb", "lang": "pt"})
            .get_json()["articles"]] == ["Reembolso refund"]
    assert auth.client.get(LOOKUP, query_string={"q": ""}).get_json() == {"articles": []}


def test_an_unknown_language_is_a_400_in_json(make_agent, auth, articles):
    auth.login(make_agent("agent").email)
    response = auth.client.get(LOOKUP, query_string={"q": "refund", "lang": "xx"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"


def test_anonymous_gets_a_401_in_json(client, articles):
    response = client.get(LOOKUP, query_string={"q": "refund"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
