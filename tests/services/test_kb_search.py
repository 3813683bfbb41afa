"""Searching the knowledge base without HTTP: the search log, query and language checks,
suggestions, reads and their clicks, "Was this helpful?" votes and their boost, synonyms, and
agents-only articles."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbSearch, KbSynonymGroup
from app.services.errors import DomainError, NotFoundError
from app.services.knowledge import articles as kb_articles
from app.services.knowledge import index_sync
from app.services.knowledge import search as kb_search
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI

ARTICLES = {
    "teapot-care": ("Caring for your teapot", "Rinse the teapot with warm water, never soap. Dry it upside down."),
    "descale-the-boiler": ("Descale the boiler", "Boil vinegar and water to remove limescale."),
    "brush-the-spout": ("Brush the spout", "A soft brush cleans the spout of any jug."),
    "brush-the-lid": ("Brush the lid", "A soft brush cleans the lid of any jug."),
}


def publish(slug: str, title: str, body: str, **options) -> Article:
    return kb_articles.save_article(ArticleInput(title=title, slug=slug, body=body, language="en",
                                                 status=options.pop("status", "published"), **options), by=CLI)


@pytest.fixture
def articles(app) -> dict[str, Article]:
    return {slug: publish(slug, title, body) for slug, (title, body) in ARTICLES.items()}


def slugs(answer) -> list[str]:
    return [hit.slug for hit in (answer.hits if hasattr(answer, "hits") else answer)]


def search(text: str, **options):
    return kb_search.search_articles(text, language=options.pop("language", "en"),
                                     source=options.pop("source", "help_center"), **options)


def searches_logged() -> int:
    return db.session.scalar(select(func.count()).select_from(KbSearch))


# --- The search log -------------------------------------------------------------------------


def test_a_search_is_logged_with_what_it_found(articles):
    answer = search("  teapot ", source="widget", visitor_key="visitor-1")
    assert slugs(answer) == ["teapot-care"] and answer.search_id is not None
    row = db.session.get(KbSearch, answer.search_id)
    assert (row.language, row.query, row.results, row.source, row.visitor_key) == (
        "en", "teapot", 1, "widget", "visitor-1")
    assert (row.clicked_article_id, row.clicked_at) == (None, None) and row.created_at is not None

    nothing = search("zebra", source="no-such-source")
    row = db.session.get(KbSearch, nothing.search_id)
    assert (row.results, row.source, row.visitor_key) == (0, "api", None)
    assert searches_logged() == 2


def test_a_search_can_be_left_out_of_the_log(articles):
    answer = search("teapot", log=False)
    assert slugs(answer) == ["teapot-care"] and answer.search_id is None and searches_logged() == 0


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_query_finds_nothing_and_is_not_logged(articles, text):
    answer = search(text, visitor_key="visitor-1")
    assert (answer.hits, answer.suggestion, answer.search_id) == ([], None, None)
    assert searches_logged() == 0


def test_an_over_long_query_is_refused(articles):
    with pytest.raises(DomainError) as error:
        search("teapot " + "a" * 494)  # 501 characters
    assert error.value.field == "q" and "500" in error.value.message
    with pytest.raises(DomainError):
        kb_search.suggest_articles("t" * 501, language="en")
    assert searches_logged() == 0
    assert search("teapot " + "a" * 493).search_id is not None  # 500 is still fine


@pytest.mark.parametrize("language", ["xx", "de", "", None, "EN"])
def test_an_unknown_language_is_refused_naming_the_offered_ones(articles, language):
    with pytest.raises(DomainError) as error:
        search("teapot", language=language)
    assert error.value.field == "lang" and "en, pt, nl" in error.value.message
    with pytest.raises(DomainError):
        kb_search.suggest_articles("teapot", language=language)
    assert searches_logged() == 0


def test_suggestions_complete_the_last_word_and_are_not_logged(articles):
    assert slugs(kb_search.suggest_articles("teap", language="en")) == ["teapot-care"]
    assert kb_search.suggest_articles("t", language="en") == []  # one letter says too little
    assert searches_logged() == 0


def test_article_text_is_escaped_in_snippets(app):
    publish("script-text", "Scripts in articles", "Typing <script>alert(1)</script> does nothing here.")
    [hit] = search("alert", log=False).hits
    assert "<script" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    assert "<mark>alert</mark>" in hit.snippet_html and "<script>alert(1)</script>" in hit.snippet


# --- Reads and clicks -----------------------------------------------------------------------


def test_a_read_is_counted_without_editing_the_article(any_app):
    article = publish("teapot-care", *ARTICLES["teapot-care"])
    article_id, version, updated_at = article.id, article.version, article.updated_at
    kb_search.record_view(article, visitor_key="visitor-1", source="help_center")
    kb_search.record_view(db.session.get(Article, article_id), visitor_key=None, source="widget")

    stored = db.session.get(Article, article_id)
    assert (stored.views, stored.version, stored.updated_at) == (2, version, updated_at)
    views = db.session.execute(select(KbArticleView.article_id, KbArticleView.visitor_key, KbArticleView.source,
                                      KbArticleView.search_id).order_by(KbArticleView.id)).all()
    assert [tuple(v) for v in views] == [(article_id, "visitor-1", "help_center", None),
                                         (article_id, None, "widget", None)]
    assert index_sync.knowledge_index().versions("en") == {article_id: version}  # not an edit to index


def test_a_read_from_a_search_is_its_click_for_the_same_visitor_only(articles):
    answer = search("teapot", visitor_key="visitor-1")
    teapot, boiler = articles["teapot-care"], articles["descale-the-boiler"]

    kb_search.record_view(teapot, visitor_key="visitor-2", source="help_center", search_id=answer.search_id)
    row = db.session.get(KbSearch, answer.search_id)
    assert (row.clicked_article_id, row.clicked_at) == (None, None)  # a shared link is not a click

    kb_search.record_view(teapot, visitor_key="visitor-1", source="help_center", search_id=answer.search_id)
    row = db.session.get(KbSearch, answer.search_id)
    assert row.clicked_article_id == teapot.id and row.clicked_at is not None
    kb_search.record_view(boiler, visitor_key="visitor-1", source="help_center", search_id=answer.search_id)
    assert db.session.get(KbSearch, answer.search_id).clicked_article_id == teapot.id  # the first click stays

    view_searches = list(db.session.scalars(select(KbArticleView.search_id).order_by(KbArticleView.id)))
    assert view_searches == [None, answer.search_id, None]
    kb_search.record_view(teapot, visitor_key="visitor-1", source="help_center", search_id=10_000)  # no such search
    assert db.session.get(Article, teapot.id).views == 3


# --- Votes ----------------------------------------------------------------------------------


def test_one_vote_per_visitor_which_a_second_one_replaces(any_app):
    article = publish("teapot-care", *ARTICLES["teapot-care"])
    article_id, version = article.id, article.version
    assert kb_search.vote(article_id, visitor_key="visitor-1", helpful=True) == (1, 0)
    assert kb_search.vote(article_id, visitor_key="visitor-1", helpful=True) == (1, 0)  # a repeat
    assert kb_search.vote(article_id, visitor_key="visitor-1", helpful=False) == (0, 1)  # a change of mind
    assert kb_search.vote(article_id, visitor_key="visitor-2", helpful=True) == (1, 1)

    stored = db.session.get(Article, article_id)
    assert (stored.helpful_count, stored.not_helpful_count, stored.version) == (1, 1, version)
    assert db.session.scalar(select(func.count()).select_from(ArticleVote)) == 2


def test_votes_only_on_published_articles(app):
    draft = publish("draft", "A draft", "Not yet.", status="draft")
    with pytest.raises(NotFoundError):
        kb_search.vote(draft.id, visitor_key="visitor-1", helpful=True)
    with pytest.raises(NotFoundError):
        kb_search.vote(10_000, visitor_key="visitor-1", helpful=True)
    assert db.session.scalar(select(func.count()).select_from(ArticleVote)) == 0


def test_helpful_votes_move_an_article_up(articles):
    spout, lid = articles["brush-the-spout"].id, articles["brush-the-lid"].id
    before = {hit.article_id: hit.score for hit in search("soft brush jug", log=False).hits}
    assert set(before) == {spout, lid}
    worse, better = sorted(before, key=before.get, reverse=True)  # the lower one will be found helpful
    for n in range(3):
        kb_search.vote(better, visitor_key=f"visitor-{n}", helpful=True)
        kb_search.vote(worse, visitor_key=f"visitor-{n}", helpful=False)
    kb_search.invalidate_cache()

    after = {hit.article_id: hit.score for hit in search("soft brush jug", log=False).hits}
    assert after[better] == pytest.approx(before[better] * (0.9 + 0.2 * 4 / 5), abs=1e-3)
    assert after[worse] == pytest.approx(before[worse] * (0.9 + 0.2 * 1 / 5), abs=1e-3)
    assert [hit.article_id for hit in search("soft brush jug", log=False).hits] == [better, worse]


# --- Synonyms and visibility ----------------------------------------------------------------


def test_an_admin_s_synonym_groups_apply_once_the_cache_is_cleared(articles):
    publish("polish-the-urn", "Polish the urn", "Brass polish keeps the urn bright.")
    assert slugs(search("urn", log=False)) == ["polish-the-urn"]
    db.session.add(KbSynonymGroup(language="en", terms="urn, boiler"))
    db.session.add(KbSynonymGroup(language="pt", terms="spout, limescale"))
    db.session.commit()
    assert slugs(search("urn", log=False)) == ["polish-the-urn"]  # cached for CACHE_SECONDS
    kb_search.invalidate_cache()
    assert sorted(slugs(search("urn", log=False))) == ["descale-the-boiler", "polish-the-urn"]
    assert slugs(search("spout", log=False)) == ["brush-the-spout"]  # another language's group


def test_a_synonym_finds_articles_that_never_use_the_word_typed(articles):
    """The point of "samovar, teapot": customers say samovar, the articles say teapot."""
    assert slugs(search("samovar", log=False)) == []
    db.session.add(KbSynonymGroup(language="en", terms="samovar, teapot"))
    db.session.commit()
    kb_search.invalidate_cache()
    assert slugs(search("samovar", log=False)) == ["teapot-care"]


def test_internal_articles_are_found_by_agents_only(articles):
    publish("refund-override", "Refund override", "Agents may approve a goodwill override.", visibility="internal")
    assert slugs(search("override", log=False)) == []
    assert slugs(kb_search.suggest_articles("overr", language="en")) == []
    assert slugs(search("override", log=False, agents=True)) == ["refund-override"]
    assert slugs(kb_search.suggest_articles("overr", language="en", agents=True)) == ["refund-override"]


def test_a_chat_started_in_the_widget_is_a_contact_of_that_widget_visitor(app):
    from app.models import KbContact
    from app.services.access.visitor_tokens import Visitor
    from app.services.conversations.live_chat import start_conversation

    with app.app_context():
        start_conversation(Visitor("anon-5"))
        contacts = db.session.execute(select(KbContact.visitor_key, KbContact.kind)).all()
    assert contacts == [("w:anon-5", "chat")]
