"""/api/v1/kb: public search and suggestions on the starter articles. No key, any origin, JSON errors
for bad parameters, query syntax that can never reach drafts or agents-only articles, the OpenAPI
document, and the rate limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import create_app
from app.demo.knowledge_base import seed_knowledge_base
from app.extensions import db
from app.models import KbSearch
from app.services.knowledge import articles
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI
from config import TestConfig
from tests.conftest import FreshGlobalsClient

SEARCH, SUGGEST = "/api/v1/kb/search", "/api/v1/kb/suggest"
HIDDEN = ("secret-refund-draft", "agents-refund-override")


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    """The starter articles plus a draft and an agents-only article full of words people search."""
    path = tmp_path_factory.mktemp("kb_api")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path / 'test.db'}",
                     HELPDESK_DATA_DIR=str(path), RATELIMIT_ENABLED=True,
                     HELPDESK_LIMIT_KB_SEARCH="10000 per minute")  # the last test lowers it
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        db.create_all()
        seed_knowledge_base()
        body = "Refund status: draft. Track the refund AND the parcel (internal notes) * secret."
        articles.save_article(ArticleInput(title="Secret refund draft", slug=HIDDEN[0], body=body, language="en",
                                              tags=("refund", "draft", "status")), by=CLI)
        articles.save_article(ArticleInput(title="Refund override", slug=HIDDEN[1], body=body, language="en",
                                              status="published", visibility="internal"), by=CLI)
        db.session.remove()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(seeded_app):
    with seeded_app.app_context():
        yield seeded_app
        db.session.remove()


def searches_logged() -> int:
    return db.session.scalar(select(func.count()).select_from(KbSearch))


def test_search_needs_no_key_and_answers_any_origin(client):
    response = client.get(SEARCH, query_string={"q": "when do I get my refund", "lang": "en"},
                          headers={"Origin": "https://shop.example"})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json
    assert set(body) == {"results", "suggestion"} and body["suggestion"] is None
    results = body["results"]
    assert results and "refund-timing" in [r["slug"] for r in results[:3]]
    for result in results:
        assert set(result) == {"slug", "title", "snippet", "snippet_html", "url", "score"}
        assert result["url"].startswith(f"http://localhost/help/en/articles/{result['slug']}?s=")
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert any("<mark>" in r["snippet_html"] for r in results) and all("<mark>" not in r["snippet"] for r in results)


def test_search_is_logged_as_an_api_search(client):
    response = client.get(SEARCH, query_string={"q": "gift card", "lang": "nl"})
    search_id = int(response.json["results"][0]["url"].rpartition("?s=")[2])
    logged = db.session.get(KbSearch, search_id)
    assert (logged.query, logged.language, logged.source, logged.results) == (
        "gift card", "nl", "api", len(response.json["results"]))


def test_following_a_result_url_counts_the_click(client, app):
    """The API puts the search id in each result's URL (?s=) for the click to be counted."""
    url = client.get(SEARCH, query_string={"q": "reset password"}).json["results"][0]["url"]
    search_id = int(url.rpartition("?s=")[2])
    browser = app.test_client()  # the customer opens the link the shop's page showed
    assert browser.get(url.removeprefix("http://localhost")).status_code == 200
    db.session.expire_all()
    assert db.session.get(KbSearch, search_id).clicked_article_id is not None


def test_a_misspelling_gets_a_suggestion(client):
    body = client.get(SEARCH, query_string={"q": "how do i get a refnud"}).json
    assert body["suggestion"] == "how do i get a refund" and body["results"]


def test_without_lang_the_first_language_is_searched(client):
    results = client.get(SEARCH, query_string={"q": "track order"}).json["results"]
    assert results and all(r["url"].startswith("http://localhost/help/en/") for r in results)


@pytest.mark.parametrize("path", [SEARCH, SUGGEST])
def test_an_unknown_language_is_a_400_naming_the_languages(client, path):
    response = client.get(path, query_string={"q": "refund", "lang": "xx"})
    assert response.status_code == 400 and response.headers["Access-Control-Allow-Origin"] == "*"
    error = response.json["error"]
    assert error["code"] == "invalid" and "en, pt, nl" in error["message"] and "lang" in error["fields"]
    assert client.get(path, query_string={"q": "refund", "lang": "english"}).status_code == 422


@pytest.mark.parametrize("path", [SEARCH, SUGGEST])
def test_an_over_long_query_is_refused_with_the_reason(client, path):
    before = searches_logged()
    response = client.get(path, query_string={"q": "refund " * 1428 + "now!"})  # 10,000 characters
    assert response.status_code == 422 and response.is_json
    assert "500" in response.json["error"]["fields"]["q"][0]
    assert client.get(path, query_string={"q": "r" * 501}).status_code == 422
    assert searches_logged() == before


@pytest.mark.parametrize(("path", "limit"), [(SEARCH, "0"), (SEARCH, "51"), (SEARCH, "-1"), (SEARCH, "ten"),
                                             (SUGGEST, "0"), (SUGGEST, "11")])
def test_a_limit_out_of_range_is_refused(client, path, limit):
    response = client.get(path, query_string={"q": "refund", "limit": limit})
    assert response.status_code == 422 and "limit" in response.json["error"]["fields"]


def test_limit_caps_the_results(client):
    assert len(client.get(SEARCH, query_string={"q": "order", "limit": 2}).json["results"]) == 2
    assert len(client.get(SEARCH, query_string={"q": "order", "limit": 50}).json["results"]) > 2


@pytest.mark.parametrize("query", [
    '"', "*", "(", ")", "AND", "OR", "NOT", ":", "status:draft", "visibility:internal", "slug:secret-refund-draft",
    "title:secret", '"secret refund draft"', "secret*", "refund AND (", "refund OR status:draft", "[a TO z]",
    "refund^5", "refund~2", "\\", "%", "_", "'; DROP TABLE articles; --", "\x00", "refund\x00draft", "🫖 refund",
    "** \" : ( ) AND OR NOT",
])
def test_query_syntax_is_just_text_and_never_reaches_hidden_articles(client, query):
    for path in (SEARCH, SUGGEST):
        response = client.get(path, query_string={"q": query})
        assert response.status_code == 200, (path, query, response.get_data(as_text=True))
        assert not {r["slug"] for r in response.json["results"]} & set(HIDDEN)


def test_suggest_completes_a_prefix_and_is_not_logged(client):
    before = searches_logged()
    response = client.get(SUGGEST, query_string={"q": "retu", "lang": "en"})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    results = response.json["results"]
    assert {"How to return an item", "Our return policy"} <= {r["title"] for r in results}
    assert all(set(r) == {"slug", "title", "url"} and "?s=" not in r["url"] for r in results)
    assert client.get(SUGGEST, query_string={"q": "r"}).json == {"results": []}
    assert searches_logged() == before


def test_both_endpoints_are_in_the_openapi_document_as_public(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path, limit_max in ((SEARCH, 50), (SUGGEST, 10)):
        operation = paths[path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert set(parameters) == {"q", "lang", "limit"} and all(p["in"] == "query" for p in parameters.values())
        assert parameters["q"]["schema"]["maxLength"] == 500
        assert parameters["limit"]["schema"]["maximum"] == limit_max
        assert operation["security"] == []  # no bearer key


def test_searches_are_rate_limited_per_address(app, client, monkeypatch):
    assert app.config["RATELIMIT_ENABLED"] is True
    monkeypatch.setitem(app.config, "HELPDESK_LIMIT_KB_SEARCH", "3 per minute")
    statuses = [client.get(SEARCH, query_string={"q": "refund"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(SEARCH, query_string={"q": "refund"})
    assert response.status_code == 429 and response.json["error"]["code"] == "too_many_requests"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # so the shop's script can read why
    other_address = client.get(SEARCH, query_string={"q": "refund"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 200
