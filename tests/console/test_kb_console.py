"""The console's Knowledge base over HTTP: who may open what, the list and its filters, writing,
publishing (help center and search follow), stale edits, messages on their fields, the sanitised
preview, delete, translations, and Settings › Knowledge base (admins only)."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Article, AuditEvent, KbSynonymGroup
from app.services.knowledge import articles, search
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI
from tests.support.html import csrf_from

LIST = "/console/kb"
NEW = "/console/kb/new"
SETTINGS = "/console/settings/knowledge-base"
FORM = {"title": "Track your parcel", "slug": "track-your-parcel", "language": "en", "status": "draft",
        "visibility": "public", "category": "Shipping", "section": "", "tags": "tracking, Parcel",
        "body": "## Where is it?\n\nOpen the **tracking link** in your shipping email."}


def _article(title: str = "Track your parcel", slug: str = "track-your-parcel", *, language: str = "en",
             status: str = "published", visibility: str = "public", category: str = "Shipping",
             body: str = "Open the tracking link in your shipping email.", tags: tuple[str, ...] = ()) -> Article:
    return articles.save_article(ArticleInput(title=title, slug=slug, body=body, language=language, status=status,
                                                 visibility=visibility, category=category, tags=tags), by=CLI)


def _rows(html: str) -> list[str]:
    return re.findall(r'data-kb-row="([^"]+)"', html)


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def _edit(article: Article, **changes) -> dict:
    return {**FORM, "title": article.title, "slug": article.slug, "language": article.language,
            "status": article.status, "version": str(article.version), **changes}


def _found(text: str, article_id: int) -> bool:
    answer = search.search_articles(text, language="en", source="console", agents=True, log=False)
    return article_id in [hit.article_id for hit in answer.hits]


@pytest.mark.parametrize("path", [LIST, NEW, f"{LIST}/1", SETTINGS])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_anonymous_preview_is_sent_to_sign_in(client):
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    response = client.post(f"{LIST}/preview", data={"body": "*hi*"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "path", "status"), [
    ("agent", LIST, 200), ("agent", NEW, 200), ("agent", SETTINGS, 403),
    ("admin", LIST, 200), ("admin", NEW, 200), ("admin", SETTINGS, 200),
])
def test_page_access_by_role(make_agent, auth, role, path, status):
    auth.login(make_agent(role).email)
    assert auth.client.get(path).status_code == status


def test_navigation_lists_the_section_after_customers_and_marks_the_editor(make_agent, auth, client):
    auth.login(make_agent("agent").email)
    article = _article()
    home = client.get("/console/").get_data(as_text=True)
    assert home.index(">Customers<") < home.index(">Knowledge base<")
    for path in (LIST, f"{LIST}/{article.id}", NEW):
        assert 'aria-current="page">Knowledge base<' in client.get(path).get_data(as_text=True), path


def test_the_list_shows_every_article_with_its_columns(admin, client):
    voted = _article()
    for n, helpful in enumerate([True, True, False]):
        search.vote(voted.id, visitor_key=f"visitor{n:012d}", helpful=helpful)
    _article("Internal: refund exceptions", "refund-exceptions", status="draft", visibility="internal",
             category="Payments")
    page = client.get(LIST).get_data(as_text=True)
    assert _rows(page) == ["en/refund-exceptions", "en/track-your-parcel"]  # the newest change first
    assert "2 of 3 found it helpful" in page and "no votes" in page
    assert ">Published<" in page and ">Draft<" in page and ">Internal<" in page and ">Payments<" in page
    assert f'href="/console/kb/{voted.id}"' in page and 'href="/console/kb/new"' in page


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["pt/acompanhar-encomenda", "en/refund-times", "en/track-your-parcel"]),
    ({"language": "pt"}, ["pt/acompanhar-encomenda"]),
    ({"status": "draft"}, ["pt/acompanhar-encomenda", "en/refund-times"]),
    ({"category": "payments"}, ["en/refund-times"]),
    ({"q": "REFUND"}, ["en/refund-times"]),
    ({"q": "%"}, []),  # a LIKE wildcard is a character like any other
    ({"language": "en", "status": "published"}, ["en/track-your-parcel"]),
    ({"language": "xx", "status": "archived"}, ["pt/acompanhar-encomenda", "en/refund-times", "en/track-your-parcel"]),
])
def test_the_list_filters(admin, client, query, expected):
    _article()
    _article("Refund times", "refund-times", status="draft", category="Payments")
    _article("Acompanhar a encomenda", "acompanhar-encomenda", language="pt", status="draft", category="Envios")
    page = client.get(LIST, query_string=query).get_data(as_text=True)
    assert _rows(page) == expected
    assert 'value="payments">Payments</option>' in page  # the category filter's choices


def test_a_draft_stays_off_the_site_until_it_is_published(make_agent, auth, post_form, client):
    auth.login(make_agent("agent").email)  # not an admin: every agent writes and publishes
    response = post_form(NEW, FORM, page=NEW)
    article = db.session.scalar(db.select(Article))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/console/kb/{article.id}")
    assert (article.status, article.tags, article.category.name) == ("draft", ["tracking", "parcel"], "Shipping")
    assert "saved as a draft" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/help/en/articles/track-your-parcel").status_code == 404
    assert not _found("tracking link", article.id)

    response = post_form(f"{LIST}/{article.id}", _edit(article, status="published"), page=NEW)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "published in the help center" in page and 'href="/help/en/articles/track-your-parcel"' in page
    assert "View in help center" in page
    assert client.get("/help/en/articles/track-your-parcel").status_code == 200
    assert _found("tracking link", article.id)
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action == "article.saved"))
    assert len(list(actions)) == 2


def test_a_stale_edit_is_refused_and_keeps_the_typed_text(admin, post_form):
    article = _article()
    opened = article.version
    articles.save_article(ArticleInput(title="Colleague's title", slug=article.slug, body="Theirs.",
                                          language="en", status="published"), by=CLI, article_id=article.id)
    response = post_form(f"{LIST}/{article.id}", _edit(article, title="My title", body="Mine.",
                                                       version=str(opened)), page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone changed this article after you opened it" in page
    assert 'value="My title"' in page and "Mine.</textarea>" in page
    current = db.session.get(Article, article.id)
    assert current.title == "Colleague's title"
    assert f'name="version" type="hidden" value="{current.version}"' in page  # saving again now wins
    again = post_form(f"{LIST}/{article.id}", _edit(article, title="My title", version=str(current.version)), page=NEW)
    assert again.status_code == 302 and db.session.get(Article, article.id).title == "My title"


@pytest.mark.parametrize(("changes", "field", "message", "status"), [
    ({"slug": "taken-slug"}, "slug", "Another article in this language already has that slug.", 409),
    ({"slug": "Not A Slug"}, "slug", "The slug must be lowercase words", 400),
    ({"title": "x" * 201}, "title", "Keep the title under 200 characters.", 400),
    ({"category": "c" * 101}, "category", "Keep the category name under 100 characters.", 400),
])
def test_a_refused_value_is_explained_on_its_field(admin, post_form, changes, field, message, status):
    _article("Taken", "taken-slug")
    response = post_form(NEW, {**FORM, **changes}, page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in _field_error(page, field)
    assert "Open the **tracking link**" in page  # the body is kept
    assert db.session.scalar(db.select(db.func.count(Article.id))) == 1


def test_changing_an_article_to_a_taken_slug_is_refused_on_the_slug(admin, post_form):
    _article("Taken", "taken-slug")
    article = _article("Mine", "mine")
    response = post_form(f"{LIST}/{article.id}", _edit(article, slug="taken-slug"), page=NEW)
    assert response.status_code == 409
    assert "already has that slug" in _field_error(response.get_data(as_text=True), "slug")


def test_the_preview_is_the_sanitised_html_of_the_help_center(admin, client):
    token = csrf_from(client.get(NEW).get_data(as_text=True))
    body = "## Hello\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) and [ok](https://example.com)"
    response = client.post(f"{LIST}/preview", data={"body": body}, headers={"X-CSRFToken": token,
                                                                           "Accept": "application/json"})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<h2>Hello</h2>" in html and "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html  # shown as text
    assert "<script" not in html
    assert "<p>[x](javascript:alert(1)) and " in html and html.count("<a ") == 1  # no link made of it
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html


def test_the_preview_needs_the_csrf_token(admin, client):
    assert client.post(f"{LIST}/preview", data={"body": "hi"}).status_code == 400


def test_deleting_an_article(admin, post_form, client):
    article = _article()
    assert "Delete “Track your parcel”" in client.get(f"{LIST}/{article.id}").get_data(as_text=True)
    response = post_form(f"{LIST}/{article.id}/delete", page=NEW)
    assert response.status_code == 302 and response.headers["Location"].endswith(LIST)
    assert db.session.get(Article, article.id) is None
    assert client.get("/help/en/articles/track-your-parcel").status_code == 404
    assert not _found("tracking link", article.id)
    again = post_form(f"{LIST}/{article.id}/delete", page=NEW)
    assert again.status_code == 302 and "does not exist any more" in client.get(LIST).get_data(as_text=True)
    assert client.get(f"{LIST}/{article.id}").status_code == 404


def test_translations_are_linked_and_missing_ones_offered(admin, client):
    english = _article(tags=("tracking", "parcel"))
    portuguese = _article("Seguir a encomenda", english.slug, language="pt", status="draft", category="Envios")
    page = client.get(f"{LIST}/{english.id}").get_data(as_text=True)
    assert f'href="/console/kb/{portuguese.id}" lang="pt">Seguir a encomenda</a>' in page
    add = re.search(r'href="(/console/kb/new\?[^"]+)">Add translation: <span lang="nl">Nederlands</span></a>',
                    page).group(1).replace("&amp;", "&")
    assert "Add translation: <span lang=\"pt\">" not in page  # it has one already
    form = client.get(add).get_data(as_text=True)
    assert 'name="slug" required spellcheck="false" type="text" value="track-your-parcel"' in form
    assert 'name="category" type="text" value="Shipping"' in form and 'value="tracking, parcel"' in form
    assert '<option selected value="nl">' in form and '<option selected value="draft">' in form
    assert 'name="title" required type="text" value=""' in form
    back = client.get(f"{LIST}/{portuguese.id}").get_data(as_text=True)
    assert f'href="/console/kb/{english.id}" lang="en">Track your parcel</a>' in back


def test_agents_cannot_change_the_synonyms(make_agent, auth, post_form):
    auth.login(make_agent("agent").email)
    response = post_form(f"{SETTINGS}/en", {"en-synonyms": "samovar, tea urn"}, page=NEW)
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(KbSynonymGroup.id))) == 0


def test_admin_saves_synonyms_and_a_bad_line_is_named(admin, post_form, client):
    page = client.get(SETTINGS).get_data(as_text=True)
    assert 'aria-current="page">Knowledge base<' in page  # the settings tab
    assert page.count("Built-in groups") == 3 and "refund, money back, reimburse" in page
    response = post_form(f"{SETTINGS}/en", {"en-synonyms": "samovar, tea urn\nkettle"}, page=SETTINGS)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Line 2 needs at least two" in _field_error(page, "en-synonyms")
    assert "samovar, tea urn\nkettle</textarea>" in page  # kept as typed
    response = post_form(f"{SETTINGS}/en", {"en-synonyms": "samovar, tea urn\n\nkettle,  boiler"}, page=SETTINGS)
    assert response.status_code == 302
    page = client.get(SETTINGS).get_data(as_text=True)
    assert "English: 2 synonym groups saved." in page
    assert "samovar, tea urn\nkettle, boiler</textarea>" in page and "2 own groups" in page
    assert client.post(f"{SETTINGS}/xx", data={"csrf_token": csrf_from(page)}).status_code == 404


def test_an_article_deleted_while_open_can_be_saved_as_a_new_one(admin, post_form):
    article = _article()
    articles.delete_article(article.id, by=CLI)
    response = post_form(f"{LIST}/{article.id}", _edit(article, title="Still mine"), page=NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Someone deleted this article after you opened it" in page
    assert 'value="Still mine"' in page and 'action="/console/kb/new"' in page
    assert post_form(NEW, _edit(article, title="Still mine"), page=NEW).status_code == 302
    assert db.session.scalar(db.select(Article.title)) == "Still mine"
