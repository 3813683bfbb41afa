"""The demo's help-center history: a month of searches, reads, votes and requests, so that the
knowledge-base reports and the content-gap backlog have something to show. Deterministic."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbContact, KbSearch
from app.models.base import utcnow
from app.services.knowledge import index_sync
from app.services.knowledge import search as kb_search
from knowledge_base import search as kb
from knowledge_base.index import IndexMissing

# What visitors typed: questions the articles answer, and some they do not (the content gaps).
QUERIES = {
    "en": ("where is my parcel", "refund status", "how long does a refund take", "return the mug",
           "promo code not working", "WELCOME10 doesnt work", "change delivery address", "forgot password",
           "klarna invoice", "do you ship to the uk", "how to brew sencha", "charged twice",
           "cancel my order", "gift card balance", "is the assam organic"),
    "pt": ("onde está a minha encomenda", "reembolso", "devolver artigo", "código promocional não funciona",
           "esqueci a palavra-passe", "portes para portugal"),
    "nl": ("waar is mijn pakket", "geld terug", "retourneren", "kortingscode werkt niet",
           "wachtwoord vergeten", "verzendkosten belgië"),
}
GAPS = {
    "en": ("gift wrapping", "do you sell matcha", "wholesale prices for cafes", "loyalty points",
           "student discount", "tea subscription", "gift wrap my order"),
    "pt": ("embrulho para presente", "vendem matcha", "subscrição de chá"),
    "nl": ("cadeauverpakking", "verkopen jullie matcha", "thee abonnement"),
}
SEARCHES = 160
DAYS = 30


def seed_kb_activity(seed: int = 6) -> int:
    """A month of help-center use, once (nothing is added when searches exist); how many searches."""
    if db.session.scalar(select(func.count()).select_from(KbSearch)):
        return 0
    rng, now = random.Random(seed), utcnow()
    index = index_sync.knowledge_index()
    slug_ids = {(a.language, a.slug): a.id for a in db.session.scalars(select(Article))}
    for n in range(SEARCHES):
        language = rng.choices(("en", "pt", "nl"), weights=(6, 2, 2))[0]
        gap = rng.random() < 0.3
        text = rng.choice(GAPS[language] if gap else QUERIES[language])
        at = now - timedelta(days=rng.uniform(0, DAYS))
        visitor = f"demo-visitor-{rng.randrange(90)}"
        try:
            hits = kb.search(index, text, language=language, limit=10, with_snippets=False).hits
        except IndexMissing:
            hits = []
        row = KbSearch(language=language, query=text, results=len(hits), source=rng.choice(
            ("help_center", "help_center", "api")), visitor_key=visitor, created_at=at)
        db.session.add(row)
        if hits and not gap and rng.random() < 0.6:
            _read(row, hits[0].article_id, at, rng)
        elif rng.random() < 0.35:  # not answered: some ask a person within minutes
            db.session.add(KbContact(visitor_key=visitor, kind=rng.choice(("ticket", "chat")),
                                     created_at=at + timedelta(minutes=rng.uniform(2, 20))))
        if n % 40 == 0:
            db.session.flush()
    db.session.flush()
    _count_votes(slug_ids.values())
    db.session.commit()
    return SEARCHES


def _read(search: KbSearch, article_id: int, at, rng: random.Random) -> None:
    search.clicked_article_id, search.clicked_at = article_id, at + timedelta(seconds=20)
    db.session.add(KbArticleView(article_id=article_id, visitor_key=search.visitor_key, source="help_center",
                                 created_at=search.clicked_at))
    if rng.random() < 0.5:
        exists = db.session.scalar(select(ArticleVote.id).where(
            ArticleVote.article_id == article_id, ArticleVote.visitor_key == search.visitor_key))
        if exists is None:
            db.session.add(ArticleVote(article_id=article_id, visitor_key=search.visitor_key,
                                       helpful=rng.random() < 0.8))
            db.session.flush()


def _count_votes(article_ids) -> None:
    """Views and vote counts on the articles, from the rows just written (not an edit: no version bump)."""
    for article_id in article_ids:
        views = db.session.scalar(select(func.count()).select_from(KbArticleView)
                                  .where(KbArticleView.article_id == article_id))
        if views:
            db.session.execute(update(Article).where(Article.id == article_id).values(
                views=views, updated_at=Article.updated_at).execution_options(synchronize_session=False))
        kb_search.recount_votes(article_id)
