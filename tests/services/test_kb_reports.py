"""Knowledge-base reports without HTTP: totals, zero results, click-through, views and votes in the
range, deflection by visitor and day, top (normalised) searches, per-language rows, bad ranges, the cap."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.extensions import db
from app.models import Article, ArticleVote, KbArticleView, KbContact, KbSearch
from app.services.errors import DomainError
from app.services.knowledge import articles, reports
from app.services.knowledge.articles import ArticleInput
from app.services.platform.audit import CLI

DAY = date(2024, 5, 10)
START, END = date(2024, 5, 10), date(2024, 5, 11)


def at(hour: int, minute: int = 0, day: int = 10, second: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, second, tzinfo=UTC)


def article(slug: str = "track-your-parcel", language: str = "en") -> Article:
    return articles.save_article(ArticleInput(title=slug.replace("-", " ").capitalize(), slug=slug, body="Text.",
                                                 language=language, status="published"), by=CLI)


def search(query: str, results: int, when: datetime, *, visitor: str | None = None, clicked: Article | None = None,
           language: str = "en") -> KbSearch:
    row = KbSearch(query=query, results=results, created_at=when, visitor_key=visitor, source="help_center",
                   language=language, clicked_article_id=clicked.id if clicked else None,
                   clicked_at=when if clicked else None)
    db.session.add(row)
    return row


def view(target: Article, when: datetime, visitor: str | None) -> None:
    db.session.add(KbArticleView(article_id=target.id, visitor_key=visitor, source="help_center", created_at=when))


def contact(visitor: str, when: datetime) -> None:
    db.session.add(KbContact(visitor_key=visitor, kind="ticket", created_at=when))


def vote(target: Article, visitor: str, helpful: bool, when: datetime) -> None:
    db.session.add(ArticleVote(article_id=target.id, visitor_key=visitor, helpful=helpful, created_at=when,
                               updated_at=when))


@pytest.fixture
def traffic(app):
    """10 English searches in the range (3 without results; 2 of the 7 with results clicked), one in
    Portuguese, some outside it; four identified visitors, two of whom contacted within 30 minutes."""
    parcel = article()
    search("refund status", 3, at(10), visitor="v1", clicked=parcel)
    search("Refund status??", 3, at(10, 2), visitor="v1")
    contact("v1", at(10, 10))  # 8-10 minutes after their searches: not deflected
    search("where is my order", 0, at(11), visitor="v2")
    contact("v2", at(13))  # two hours later: deflected
    search("Where is my order", 0, at(11, 30))
    search("gift wrapping", 0, at(12), visitor="v3")
    view(parcel, at(12, 5), "v3")  # v3 never contacts: deflected
    for i in range(5):
        search("track parcel", 2, at(14, i), clicked=parcel if i == 0 else None)
    view(parcel, at(15), "v4")
    contact("v4", at(15, 20))  # 20 minutes after the read: not deflected
    search("reembolso", 0, at(16), language="pt")
    # Outside the range: the second before it starts, the second it ends.
    search("refund status", 0, at(23, 59, day=9, second=59), visitor="v1")
    search("refund status", 0, at(0, day=12), visitor="v5")
    view(parcel, at(0, day=12), "v5")
    vote(parcel, "v1", True, at(10))
    vote(parcel, "v2", True, at(11))
    vote(parcel, "v3", False, at(12))
    vote(parcel, "v4", True, at(12, day=1))  # before the range
    db.session.commit()
    return parcel


def report(language: str | None = "en", start: date = START, end: date = END):
    return reports.knowledge_base_report(start=start, end=end, language=language)


def test_totals_count_searches_zero_results_and_click_through(traffic):
    totals = report().totals
    assert (totals.searches, totals.zero_result, totals.with_results, totals.clicked) == (10, 3, 7, 2)
    assert totals.zero_result_share == pytest.approx(0.3)
    assert totals.click_through == pytest.approx(2 / 7)
    assert totals.article_views == 2
    assert (totals.helpful_votes, totals.not_helpful_votes) == (2, 1)


def test_deflection_counts_visitor_days_without_a_contact_within_30_minutes(traffic):
    deflection = report().deflection
    # v1 (contact 10 min later) and v4 (20 min after a read) were not deflected; v2 (2 h) and v3 were.
    assert (deflection.sessions, deflection.deflected) == (4, 2)
    assert deflection.share == pytest.approx(0.5)


def test_a_contact_before_the_search_does_not_count(app):
    contact("early", at(9, 50))
    search("refund", 0, at(10), visitor="early")
    db.session.commit()
    assert report().deflection.deflected == 1


def test_sessions_are_per_visitor_and_day(app):
    search("refund", 0, at(10), visitor="v")
    search("refund", 0, at(10, day=11), visitor="v")
    contact("v", at(10, 5, day=11))
    db.session.commit()
    deflection = report().deflection
    assert (deflection.sessions, deflection.deflected) == (2, 1)


def test_top_searches_group_normalised_wording(traffic):
    top = {row.key: row for row in report().top_searches}
    assert [row.count for row in report().top_searches] == [5, 2, 2, 1]
    assert top["parcel track"].click_through == pytest.approx(1 / 5)
    assert top["refund status"].count == 2 and top["refund status"].click_through == pytest.approx(1 / 2)
    assert top["refund status"].label in {"refund status", "Refund status??"}
    assert top["order"].results == 0 and top["order"].click_through is None
    zero = report().top_zero_result
    assert [(row.key, row.count) for row in zero] == [("order", 2), ("gift wrap", 1)]


def test_language_rows_and_filter(traffic):
    everything = report(language=None)
    assert everything.totals.searches == 11 and everything.totals.zero_result == 4
    rows = {row.language: row for row in everything.languages}
    assert set(rows) == {"en", "pt"}
    assert (rows["en"].searches, rows["en"].click_through) == (10, pytest.approx(2 / 7))
    assert rows["en"].deflection.share == pytest.approx(0.5)
    assert rows["pt"].zero_result_share == 1.0 and rows["pt"].click_through is None
    assert rows["pt"].deflection.sessions == 0  # anonymous: cannot be followed
    assert report(language="pt").totals.article_views == 0


def test_an_empty_range_has_no_shares(app):
    result = report()
    assert result.totals.searches == 0 and result.totals.click_through is None
    assert result.deflection.share is None and result.top_searches == [] and result.languages == []


@pytest.mark.parametrize(("start", "end", "message"), [
    (date(2024, 5, 11), date(2024, 5, 10), "The end date is before the start date."),
    (date(2023, 1, 1), date(2024, 1, 2), "Choose a range of at most 366 days."),
])
def test_bad_ranges_are_refused(app, start, end, message):
    with pytest.raises(DomainError) as refused:
        report(start=start, end=end)
    assert refused.value.message == message


def test_a_range_of_366_days_and_of_one_day_are_fine(traffic):
    assert report(start=date(2023, 5, 12), end=date(2024, 5, 11)).totals.searches == 11  # with 9 May
    assert report(start=DAY, end=DAY).totals.searches == 10


def test_rows_beyond_the_cap_are_said_to_be_left_out(traffic, monkeypatch):
    monkeypatch.setattr(reports, "ROW_CAP", 3)
    result = report()
    assert result.capped and result.totals.searches == 10  # the SQL totals are not capped
    assert sum(row.count for row in result.top_searches) == 3
    assert not reports.knowledge_base_report(start=START, end=END, language="pt").capped
