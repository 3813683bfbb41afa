"""The demo's knowledge base: the starter articles shipped in knowledge_base/articles (en, pt, nl)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.models import Article
from app.services import kb_articles
from app.services.audit import CLI

STARTER_ARTICLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "articles"


def seed_knowledge_base() -> int:
    """Import the starter articles once (an existing knowledge base is left as it is); how many."""
    if db.session.scalar(select(func.count()).select_from(Article)):
        return 0
    report = kb_articles.import_directory(STARTER_ARTICLES, by=CLI)
    if report.failed:
        raise RuntimeError(f"starter articles failed to import: {report.failed}")
    return report.created
