"""The help center's knowledge-base pages over HTTP, on the starter articles: languages, categories,
articles (translations, related, reads and clicks), search (highlights, "did you mean", escaping,
limits), votes, the sitemap, and what search engines read (title, description, lang)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app import create_app
from app.demo.knowledge_base import seed_knowledge_base
from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbSearch
from app.services.knowledge import articles as kb_articles
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI
from config import TestConfig
from tests.conftest import FreshGlobalsClient
from tests.support.html import csrf_from

TRACK = "/help/en/articles/track-your-order"


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    """One app with the starter articles, a draft and an agents-only article, for the whole module
    (importing them takes a second); each test gets its own app context and session."""
    path = tmp_path_factory.mktemp("kb_pages")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path / 'test.db'}", HELPDESK_DATA_DIR=str(path))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        db.create_all()
        assert seed_knowledge_base() == 102
        for slug, status, visibility in (("unreleased-samovar", "draft", "public"),
                                         ("agents-refund-override", "published", "internal")):
            kb_articles.save_article(ArticleInput(
                title=f"Secret {slug}", slug=slug, body=f"Refund tracking notes for {slug}.", language="en",
                status=status, visibility=visibility, category="Orders"), by=CLI)
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


def page(client, path: str, status: int = 200, **kwargs) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def article(slug: str, language: str = "en") -> Article:
    return db.session.scalar(select(Article).where(Article.slug == slug, Article.language == language))


def views_of(slug: str) -> int:
    return db.session.scalar(select(Article.views).where(Article.slug == slug, Article.language == "en"))


# --- Languages, home and categories ---------------------------------------------------------


@pytest.mark.parametrize(("accept", "language"), [
    ("nl-NL,nl;q=0.9,en;q=0.5", "nl"), ("pt", "pt"), ("de-DE,de;q=0.9", "en"), ("en-GB", "en"), (None, "en"),
    ("fr;q=0.9,pt;q=0.5,nl;q=0.4", "pt"),
])
def test_help_redirects_to_the_visitor_s_language(client, accept, language):
    response = client.get("/help/", headers={"Accept-Language": accept} if accept else {})
    assert response.status_code == 302 and response.headers["Location"] == f"/help/{language}/"


def test_the_home_page_lists_categories_and_their_articles(client):
    text = page(client, "/help/en/")
    assert '<html lang="en">' in text
    assert 'href="/help/en/categories/shipping-and-delivery"' in text and "Shipping and delivery" in text
    assert f'href="{TRACK}"' in text and "Track your order" in text
    assert "Secret" not in text  # neither the draft nor the agents-only article

    dutch = page(client, "/help/nl/")
    assert '<html lang="nl">' in dutch and "Hoe kunnen we helpen?" in dutch
    assert 'href="/help/nl/articles/track-your-order"' in dutch


@pytest.mark.parametrize("path", ["/help/xx/", "/help/de/", "/help/xx/articles/track-your-order",
                                  "/help/de/categories/orders", "/help/xx/search?q=refund",
                                  "/help/en/categories/no-such-category", "/help/en/articles/no-such-article",
                                  "/help/pt/articles/unreleased-samovar"])
def test_unknown_languages_and_pages_are_404(client, path):
    assert client.get(path).status_code == 404


def test_a_category_page_lists_its_sections_and_articles(client):
    text = page(client, "/help/en/categories/shipping-and-delivery")
    assert "<h1" in text and "Shipping and delivery" in text
    assert 'href="/help/en/articles/package-late-or-lost"' in text and "Delivery" in text
    assert f'href="{TRACK}"' not in text  # another category's (Orders)
    orders = page(client, "/help/en/categories/orders")
    assert f'href="{TRACK}"' in orders and "Secret" not in orders and "unreleased-samovar" not in orders


# --- Articles -------------------------------------------------------------------------------


def test_an_article_page_shows_the_article_its_translations_and_related_ones(client):
    track = article("track-your-order")
    text = page(client, TRACK)
    assert track.body_html.strip() in text
    assert f"<title>{escape(track.title)} ·" in text
    assert f'<meta name="description" content="{escape(track.summary)}">' in text and track.summary
    assert '<html lang="en">' in text
    assert 'href="/help/pt/articles/track-your-order" hreflang="pt" lang="pt">Acompanhar a sua encomenda</a>' in text
    assert 'href="/help/nl/articles/track-your-order" hreflang="nl" lang="nl">Je bestelling volgen</a>' in text
    assert 'hreflang="pt" href="http://localhost/help/pt/articles/track-your-order"' in text  # for search engines
    aside = text[text.index('<aside class="kb-aside"'):]
    related = re.findall(r'<a href="/help/en/articles/([a-z0-9-]+)">', aside)
    assert related and "track-your-order" not in related and len(related) <= 4

    portuguese = page(client, "/help/pt/articles/track-your-order")
    assert '<html lang="pt">' in portuguese and 'href="/help/en/articles/track-your-order"' in portuguese


def test_reading_an_article_is_counted_for_an_anonymous_visitor(client):
    before = views_of("refund-timing")
    response = client.get("/help/en/articles/refund-timing")
    assert response.status_code == 200
    cookie = client.get_cookie("hc_visitor")
    assert cookie is not None and re.fullmatch(r"[0-9a-f]{32}", cookie.value) and cookie.http_only
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Lax" in response.headers["Set-Cookie"]
    client.get("/help/en/articles/refund-timing")
    assert views_of("refund-timing") == before + 2
    readers = db.session.scalars(select(KbArticleView.visitor_key).where(
        KbArticleView.article_id == article("refund-timing").id).order_by(KbArticleView.id.desc()).limit(2)).all()
    assert readers == [cookie.value, cookie.value]  # the same visitor both times, the cookie kept


@pytest.mark.parametrize("slug", ["unreleased-samovar", "agents-refund-override"])
def test_drafts_and_agents_only_articles_are_not_public(client, slug):
    assert client.get(f"/help/en/articles/{slug}").status_code == 404
    assert slug not in page(client, "/help/en/search?q=secret+refund+tracking+notes")
    assert slug not in page(client, "/help/sitemap.xml")


def test_a_result_link_counts_as_the_search_s_click(client, app):
    text = page(client, "/help/en/search?q=when+will+I+get+my+refund")
    link = re.search(r'href="(/help/en/articles/refund-timing\?s=(\d+))"', text)
    assert link, "the result links carry the search id"
    search_id = int(link.group(2))
    other_visitor = app.test_client()
    assert other_visitor.get(link.group(1)).status_code == 200  # someone the link was shared with
    assert db.session.get(KbSearch, search_id).clicked_article_id is None
    assert client.get(link.group(1)).status_code == 200
    db.session.expire_all()
    search = db.session.get(KbSearch, search_id)
    assert search.clicked_article_id == article("refund-timing").id and search.source == "help_center"


# --- Search ---------------------------------------------------------------------------------


def test_search_results_highlight_what_matched(client):
    text = page(client, "/help/en/search?q=refund")
    assert "Results for “refund”" in text and "<mark>refund</mark>" in text.lower()
    assert re.search(r'href="/help/en/articles/refund-timing\?s=\d+"', text)
    assert '<meta name="robots" content="noindex">' in text


def test_a_misspelled_search_offers_the_correction(client):
    text = page(client, "/help/en/search?q=how+do+i+get+a+refnud")
    assert "Did you mean" in text
    assert 'href="/help/en/search?q=how+do+i+get+a+refund">how do i get a refund</a>' in text


def test_a_search_without_results_says_so(client):
    text = page(client, "/help/en/search?q=xqzzvb+wpplk")
    assert "No article matches “xqzzvb wpplk” yet." in text and "kb-results" not in text


def test_the_query_is_shown_escaped(client):
    query = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    text = page(client, "/help/en/search", query_string={"q": query})
    assert "<script>alert(1)</script>" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_an_over_long_query_is_a_400_page_saying_why(client):
    before = db.session.scalar(select(func.count()).select_from(KbSearch))
    response = client.get("/help/en/search", query_string={"q": "refund " * 1428 + "now!"})  # 10,000 characters
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please shorten your question to 500 characters." in text
    assert response.mimetype == "text/html"
    assert db.session.scalar(select(func.count()).select_from(KbSearch)) == before


# --- Votes ----------------------------------------------------------------------------------


def test_a_vote_needs_the_page_s_csrf_token(app, client):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True  # the test config keeps CSRF on
    page(client, "/help/en/articles/gift-cards")
    response = client.post("/help/en/articles/gift-cards/vote", data={"helpful": "yes", "csrf_token": "forged"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ArticleVote).where(
        ArticleVote.article_id == article("gift-cards").id)) == 0


def test_a_vote_redirects_back_and_answers_json_to_the_page_s_script(client):
    url = "/help/en/articles/payment-methods"
    token = csrf_from(page(client, url))
    response = client.post(f"{url}/vote", data={"helpful": "yes", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"{url}?voted=1#vote"
    thanks = page(client, f"{url}?voted=1")
    assert '<p class="kb-vote__thanks" role="status">Thanks for letting us know.</p>' in thanks

    response = client.post(f"{url}/vote", data={"helpful": "no", "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json == {"helpful": 0, "not_helpful": 1, "message": "Thanks for letting us know."}
    db.session.expire_all()
    stored = article("payment-methods")
    assert (stored.helpful_count, stored.not_helpful_count) == (0, 1)  # the second vote replaced the first


def test_no_votes_on_drafts(client):
    token = csrf_from(page(client, TRACK))
    response = client.post("/help/en/articles/unreleased-samovar/vote", data={"helpful": "yes", "csrf_token": token})
    assert response.status_code == 404


# --- The sitemap ----------------------------------------------------------------------------


def test_the_sitemap_lists_every_public_article(client):
    response = client.get("/help/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(response.data)
    locations = [loc.text for loc in root.findall("s:url/s:loc", namespace)]
    articles = [loc for loc in locations if "/articles/" in loc]
    assert len(articles) == 102 == len(set(articles))
    assert "http://localhost/help/en/articles/track-your-order" in articles
    assert "http://localhost/help/nl/articles/track-your-order" in articles
    assert {"http://localhost/help/en/", "http://localhost/help/pt/", "http://localhost/help/nl/"} <= set(locations)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", m.text) for m in root.findall("s:url/s:lastmod", namespace))


def test_a_suggestion_followed_from_the_widget_is_logged_as_that_visitor_s_clicked_search(app, client):
    from app.models import KbArticleView, KbSearch

    page(client, TRACK, query_string={"src": "widget", "wq": "where is my parcel", "wn": 3, "wv": "anon-77"})
    search = db.session.scalar(select(KbSearch).where(KbSearch.visitor_key == "w:anon-77"))
    assert (search.query, search.results, search.source) == ("where is my parcel", 3, "widget")
    assert search.clicked_article_id is not None
    view = db.session.scalar(select(KbArticleView).where(KbArticleView.visitor_key == "w:anon-77"))
    assert (view.source, view.search_id) == ("widget", search.id)
