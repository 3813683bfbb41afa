"""The search index as a cache of the published articles, kept in step with every commit.

Changes to articles are collected in `after_flush` (whoever flushes: services flush before they
commit, so by `before_commit` the session has forgotten what was new) as plain documents, written
to the index in `after_commit`, and dropped on rollback. A write that fails after the commit (the
index busy beyond its timeout, a full disk) is logged and left to `reconcile`, which compares the
index's (id, version) pairs with the database; `reindex` rebuilds from scratch. The database is
never wrong, and the index serving is always a whole commit (knowledge_base/index.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Article
from knowledge_base.documents import ArticleDocument
from knowledge_base.index import KnowledgeIndex
from knowledge_base.rendering import plain_text

log = logging.getLogger(__name__)
PENDING = "kb_index_pending"


def init_app(app: Flask) -> None:
    """Create the app's index handle (no I/O: the directory is made on first write) and listen to commits."""
    directory = app.config.get("HELPDESK_KB_INDEX_DIR") or str(Path(app.config["HELPDESK_DATA_DIR"]) / "kb_index")
    app.extensions["knowledge_base"] = KnowledgeIndex(directory)
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _apply)
        event.listen(Session, "after_soft_rollback", _discard)


def knowledge_index() -> KnowledgeIndex:
    """The current app's index."""
    return current_app.extensions["knowledge_base"]


def document_for(article) -> ArticleDocument:
    """What the index holds for a published article (a model or a row with the same columns)."""
    return ArticleDocument(
        article_id=article.id, version=article.version, language=article.language, slug=article.slug,
        title=article.title, text=plain_text(article.body_html), tags=tuple(article.tags or ()),
        category=str(article.category_id or ""), visibility=article.visibility)


def _collect(session: Session, _context) -> None:
    """Note which (language, article) index entries this flush may have changed."""
    pending = session.info.setdefault(PENDING, set())
    for row in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(row, Article) and row.id is not None:
            pending.add((row.language, row.id))
            pending.update((language, row.id) for language in _previous_languages(row))


def _previous_languages(row: Article) -> list[str]:
    history = db.inspect(row).attrs.language.history
    return [language for language in history.deleted or () if language != row.language]


def _apply(session: Session) -> None:
    """After a commit: index what the database now holds for the noted articles.

    The rows are read again, on a connection of their own (the session may not run SQL at this
    point), so only what was really committed is indexed: a savepoint rolled back inside the
    transaction, or an article created and deleted in it, leaves nothing behind.
    """
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context():
        return
    table = Article.__table__
    with db.engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(
            select(table).where(table.c.id.in_({article_id for _, article_id in pending})))}
    by_language: dict[str, tuple[list, list]] = {}
    for language, article_id in pending:
        upserts, deletes = by_language.setdefault(language, ([], []))
        row = rows.get(article_id)
        if row is not None and row.status == "published" and row.language == language:
            upserts.append(document_for(row))
        else:
            deletes.append(article_id)
    index = knowledge_index()
    for language, (upserts, deletes) in by_language.items():
        try:
            index.write(language, upserts=upserts, deletes=deletes)
        except Exception:  # noqa: BLE001 - the commit stands; reconcile() repairs the index
            log.exception("kb index: writing %s failed; run `flask kb reconcile`", language)


def _discard(session: Session, previous_transaction) -> None:
    # Only the outermost rollback forgets: after a savepoint's, the rest of the transaction may
    # still commit (and _apply reads what it really committed).
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def _published(language: str | None = None):
    query = select(Article).where(Article.status == "published").order_by(Article.id)
    return query if language is None else query.where(Article.language == language)


def indexed_languages() -> list[str]:
    """Every language that has articles or an index."""
    in_database = set(db.session.scalars(select(Article.language).distinct()))
    return sorted(in_database | set(knowledge_index().languages()))


def reindex(languages: list[str] | None = None) -> dict[str, int]:
    """Rebuild the index of each language from the database (all of them by default): language -> articles."""
    counts = {}
    for language in languages or indexed_languages():
        articles = db.session.scalars(_published(language).execution_options(yield_per=500))
        counts[language] = knowledge_index().rebuild(language, (document_for(a) for a in articles))
    return counts


def reconcile() -> dict[str, int]:
    """Repair what the index missed (a write lost to a crash or a timeout): language -> articles fixed."""
    fixed = {}
    index = knowledge_index()
    for language in indexed_languages():
        indexed = index.versions(language)
        stored = dict(db.session.execute(select(Article.id, Article.version).where(
            Article.status == "published", Article.language == language)).all())
        stale = [article_id for article_id, version in stored.items() if indexed.get(article_id) != version]
        extra = [article_id for article_id in indexed if article_id not in stored]
        if stale or extra or not index.exists(language):
            rows = db.session.scalars(select(Article).where(Article.id.in_(stale))) if stale else []
            index.write(language, upserts=[document_for(a) for a in rows], deletes=extra)
        fixed[language] = len(stale) + len(extra)
    return fixed
