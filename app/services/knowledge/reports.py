"""Knowledge-base reports for the console: searches, zero results, click-through, views, votes and
deflection over a date range, overall, by normalised query and by language.

Totals and per-language search counts are SQL aggregates. Query normalisation and deflection need
each row, so they are computed in Python over the range's rows, capped at ROW_CAP searches and
ROW_CAP article views (the newest kept); `KbReport.capped` says when the cap cut rows off.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbContact, KbSearch
from app.services.errors import DomainError
from knowledge_base.analysis import WORD, analyzer_for, fold

MAX_DAYS = 366
ROW_CAP = 50_000
CONTACT_WINDOW = timedelta(minutes=30)  # a contact this soon after a search or view: it did not help
TOP = 20


@dataclass(frozen=True)
class Window:
    """A report's range as aware UTC datetimes: [start 00:00, end + 1 day 00:00)."""

    start: date
    end: date
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Totals:
    searches: int
    zero_result: int
    with_results: int
    clicked: int  # searches with results whose result was opened
    article_views: int
    helpful_votes: int  # votes cast or changed in the range (ArticleVote.updated_at)
    not_helpful_votes: int

    @property
    def zero_result_share(self) -> float | None:
        return _share(self.zero_result, self.searches)

    @property
    def click_through(self) -> float | None:
        return _share(self.clicked, self.with_results)


@dataclass(frozen=True)
class Deflection:
    sessions: int  # (visitor, UTC day) pairs with a search or article view
    deflected: int  # of those, sessions with no contact within CONTACT_WINDOW after any of their events

    @property
    def share(self) -> float | None:
        return _share(self.deflected, self.sessions)


@dataclass(frozen=True)
class QueryRow:
    key: str  # the normalised query: its sorted distinct analyzer terms
    label: str  # the most frequent wording as typed
    count: int
    results: int  # of the newest search
    clicked: int
    with_results: int

    @property
    def click_through(self) -> float | None:
        return _share(self.clicked, self.with_results)


@dataclass(frozen=True)
class LanguageRow:
    language: str
    searches: int
    zero_result: int
    with_results: int
    clicked: int
    deflection: Deflection

    @property
    def zero_result_share(self) -> float | None:
        return _share(self.zero_result, self.searches)

    @property
    def click_through(self) -> float | None:
        return _share(self.clicked, self.with_results)


@dataclass(frozen=True)
class KbReport:
    start: date
    end: date
    language: str | None
    totals: Totals
    deflection: Deflection
    top_searches: list[QueryRow]
    top_zero_result: list[QueryRow]
    languages: list[LanguageRow]
    capped: bool  # more than ROW_CAP searches or views: the per-query rows and deflection saw the newest only


@dataclass(frozen=True)
class SearchRow:
    id: int
    language: str
    query: str
    results: int
    visitor_key: str | None
    clicked: bool
    created_at: datetime


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def report_window(start: date, end: date) -> Window:
    """The range checked: end on or after start, at most MAX_DAYS days (end inclusive)."""
    if end < start:
        raise DomainError("The end date is before the start date.", field="end")
    if (end - start).days + 1 > MAX_DAYS:
        raise DomainError(f"Choose a range of at most {MAX_DAYS} days.", field="start")
    since = datetime.combine(start, time.min, tzinfo=UTC)
    return Window(start, end, since, datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))


def query_key(text: str, language: str) -> tuple[str, ...]:
    """A query normalised: its sorted distinct analyzer terms (stems, no stop words or fillers);
    folded lowercase words when the analyzer leaves nothing ("how to"), else the folded text."""
    terms = {term for _, term in analyzer_for(language).query_terms(text)}
    if not terms:
        terms = set(WORD.findall(fold(text)))
    return tuple(sorted(terms)) or (fold(text.strip()),)


def search_rows(window: Window, language: str | None) -> tuple[list[SearchRow], bool]:
    """The range's searches, newest first, at most ROW_CAP; and whether there were more."""
    query = (select(KbSearch.id, KbSearch.language, KbSearch.query, KbSearch.results, KbSearch.visitor_key,
                    KbSearch.clicked_article_id.is_not(None), KbSearch.created_at)
             .where(KbSearch.created_at >= window.since, KbSearch.created_at < window.until)
             .order_by(KbSearch.created_at.desc(), KbSearch.id.desc()).limit(ROW_CAP + 1))
    if language:
        query = query.where(KbSearch.language == language)
    rows = [SearchRow(*row) for row in db.session.execute(query)]
    return rows[:ROW_CAP], len(rows) > ROW_CAP


def contact_times(window: Window, visitor_keys: Iterable[str]) -> dict[str, list[datetime]]:
    """Each visitor's contacts from the range's start to CONTACT_WINDOW after its end, sorted."""
    keys = set(visitor_keys)
    times: dict[str, list[datetime]] = defaultdict(list)
    if not keys:
        return times
    query = (select(KbContact.visitor_key, KbContact.created_at)
             .where(KbContact.created_at >= window.since, KbContact.created_at < window.until + CONTACT_WINDOW)
             .order_by(KbContact.created_at))
    for key, at in db.session.execute(query):
        if key in keys:
            times[key].append(at)
    return times


def contacted_after(times: dict[str, list[datetime]], visitor_key: str | None, at: datetime) -> bool:
    """Whether the visitor contacted a person within CONTACT_WINDOW after `at` (at itself included)."""
    if not visitor_key:
        return False
    contacts = times.get(visitor_key, ())
    i = bisect.bisect_left(contacts, at)
    return i < len(contacts) and contacts[i] <= at + CONTACT_WINDOW


def _totals(window: Window, language: str | None) -> tuple[Totals, list[tuple]]:
    """Totals (SQL aggregates) and the same counts per language: (language, searches, zero, with, clicked)."""
    has_results = KbSearch.results > 0
    query = (select(KbSearch.language, func.count(), func.sum(case((KbSearch.results == 0, 1), else_=0)),
                    func.sum(case((has_results, 1), else_=0)),
                    func.sum(case((has_results & KbSearch.clicked_article_id.is_not(None), 1), else_=0)))
             .where(KbSearch.created_at >= window.since, KbSearch.created_at < window.until)
             .group_by(KbSearch.language).order_by(KbSearch.language))
    if language:
        query = query.where(KbSearch.language == language)
    per_language = [(lang, n, zero or 0, with_results or 0, clicked or 0)
                    for lang, n, zero, with_results, clicked in db.session.execute(query)]
    views = select(func.count()).select_from(KbArticleView).where(
        KbArticleView.created_at >= window.since, KbArticleView.created_at < window.until)
    votes = select(ArticleVote.helpful, func.count()).where(
        ArticleVote.updated_at >= window.since, ArticleVote.updated_at < window.until).group_by(ArticleVote.helpful)
    if language:
        views = views.join(Article, Article.id == KbArticleView.article_id).where(Article.language == language)
        votes = votes.join(Article, Article.id == ArticleVote.article_id).where(Article.language == language)
    voted = dict(db.session.execute(votes).all())
    sums = [sum(row[i] for row in per_language) for i in range(1, 5)]
    return Totals(*sums, article_views=db.session.scalar(views) or 0, helpful_votes=voted.get(True, 0),
                  not_helpful_votes=voted.get(False, 0)), per_language


def _view_rows(window: Window, language: str | None) -> tuple[list[tuple[str, str, datetime]], bool]:
    """(visitor_key, language, created_at) of the range's identified article views, newest first, capped."""
    query = (select(KbArticleView.visitor_key, Article.language, KbArticleView.created_at)
             .join(Article, Article.id == KbArticleView.article_id)
             .where(KbArticleView.created_at >= window.since, KbArticleView.created_at < window.until,
                    KbArticleView.visitor_key.is_not(None))
             .order_by(KbArticleView.created_at.desc()).limit(ROW_CAP + 1))
    if language:
        query = query.where(Article.language == language)
    rows = [tuple(row) for row in db.session.execute(query)]
    return rows[:ROW_CAP], len(rows) > ROW_CAP


def _deflection(events: list[tuple[str, str, datetime]], times: dict[str, list[datetime]]) -> dict[str, Deflection]:
    """Deflection per language and overall (key ""), from (visitor_key, language, at) events.

    A session is a visitor's searches and article views on one UTC day (in one language for the
    per-language rows). It is deflected when none of its events is followed by a KbContact of the
    same visitor within CONTACT_WINDOW. Events without a visitor key cannot be followed: left out.
    """
    contacted: dict[tuple, bool] = {}
    for visitor, language, at in events:
        followed = contacted_after(times, visitor, at)
        for session in ((visitor, at.date(), ""), (visitor, at.date(), language)):
            contacted[session] = contacted.get(session, False) or followed
    sessions, deflected = Counter(), Counter()
    for (_, _, language), was_contacted in contacted.items():
        sessions[language] += 1
        deflected[language] += not was_contacted
    return {language: Deflection(sessions[language], deflected[language]) for language in sessions}


def _query_rows(rows: list[SearchRow], *, zero_only: bool) -> list[QueryRow]:
    """The TOP normalised queries by count (rows are newest first, so the first seen is the newest)."""
    groups: dict[tuple, list[SearchRow]] = defaultdict(list)
    for row in rows:
        if not zero_only or row.results == 0:
            groups[(row.language, query_key(row.query, row.language))].append(row)
    out = []
    for (_, key), members in groups.items():
        with_results = [m for m in members if m.results > 0]
        label = Counter(m.query.strip() for m in members).most_common(1)[0][0]
        out.append(QueryRow(key=" ".join(key), label=label, count=len(members), results=members[0].results,
                            clicked=sum(m.clicked for m in with_results), with_results=len(with_results)))
    out.sort(key=lambda r: (-r.count, r.label.casefold()))
    return out[:TOP]


def knowledge_base_report(*, start: date, end: date, language: str | None) -> KbReport:
    """The console's Reports tab: searches made from `start` to `end` (both days included, UTC) in
    `language` (None: all). Raises DomainError for an end before the start or more than MAX_DAYS days.

    Click-through = searches with at least one result whose result was opened / searches with at
    least one result. Deflection: see `_deflection`. Reads only; nothing is committed.
    """
    window = report_window(start, end)
    totals, per_language = _totals(window, language)
    rows, searches_capped = search_rows(window, language)
    views, views_capped = _view_rows(window, language)
    events = [(r.visitor_key, r.language, r.created_at) for r in rows if r.visitor_key] + views
    deflection = _deflection(events, contact_times(window, (e[0] for e in events)))
    none = Deflection(0, 0)
    languages = [LanguageRow(lang, n, zero, with_results, clicked, deflection.get(lang, none))
                 for lang, n, zero, with_results, clicked in per_language]
    return KbReport(start=start, end=end, language=language, totals=totals, deflection=deflection.get("", none),
                    top_searches=_query_rows(rows, zero_only=False), top_zero_result=_query_rows(rows, zero_only=True),
                    languages=languages, capped=searches_capped or views_capped)
