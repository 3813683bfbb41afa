"""The demo's help-center history: searches, reads, votes and contacts, once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.kb_activity import SEARCHES, seed_kb_activity
from app.demo.knowledge_base import seed_knowledge_base
from app.extensions import db
from app.models import Article, ArticleVote, KbContact, KbSearch


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_month_of_searches_with_reads_votes_and_contacts_once(app):
    with app.app_context():
        seed_knowledge_base()
        versions = dict(db.session.execute(select(Article.id, Article.version)).all())
        assert seed_kb_activity() == SEARCHES
        assert count(KbSearch) == SEARCHES
        clicked = count(KbSearch, KbSearch.clicked_article_id.is_not(None))
        assert 0 < clicked < SEARCHES
        assert count(KbContact) > 0 and count(ArticleVote) > 0
        # The article counters match the rows, and no article was edited by it.
        assert db.session.scalar(select(func.sum(Article.views))) == clicked
        assert db.session.scalar(select(func.sum(Article.helpful_count + Article.not_helpful_count))) == count(
            ArticleVote)
        assert dict(db.session.execute(select(Article.id, Article.version)).all()) == versions
        assert seed_kb_activity() == 0 and count(KbSearch) == SEARCHES
