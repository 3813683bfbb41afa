"""The demo's knowledge base: the starter articles shipped in knowledge_base/articles (en, pt, nl)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Article, KbCategory
from app.services.knowledge import articles
from app.services.platform.audit import CLI

STARTER_ARTICLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "articles"
# The order a shopper looks for things in: one article of each category, in every language.
CATEGORY_ORDER = ("track-your-order", "shipping-costs-and-times", "return-policy", "payment-methods",
                  "use-a-promo-code", "reset-your-password", "brewing-guide")


def seed_knowledge_base() -> int:
    """Import the starter articles once (an existing knowledge base is left as it is); how many."""
    if db.session.scalar(select(func.count()).select_from(Article)):
        return 0
    report = articles.import_directory(STARTER_ARTICLES, by=CLI)
    if report.failed:
        raise RuntimeError(f"starter articles failed to import: {report.failed}")
    _order_categories()
    return report.created


def _order_categories() -> None:
    for position, slug in enumerate(CATEGORY_ORDER):
        for article in db.session.scalars(select(Article).where(Article.slug == slug)):
            category = db.session.get(KbCategory, article.category_id) if article.category_id else None
            if category is not None:
                category.position = position
    db.session.commit()
