"""The content-gap backlog without HTTP: which searches are candidates, grouping by similar wording,
counts and examples, the limit, and a draft article started from a group."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Article, AuditEvent
from app.services.errors import DomainError
from app.services.knowledge import gaps as kb_gaps
from app.services.platform.audit import CLI
from tests.services.test_kb_reports import END, START, article, at, contact, search


def gaps(language: str | None = "en", **options):
    return kb_gaps.content_gaps(start=START, end=END, language=language, **options)


@pytest.fixture
def searches(app):
    parcel = article()
    for minute in range(3):
        search("refund status", 0, at(9, minute), visitor=f"z{minute}")
    search("status of my refund", 4, at(10), visitor="n1")
    search("Status of my refund", 4, at(10, 5))
    search("Refund status??", 4, at(11), visitor="c1", clicked=parcel)
    contact("c1", at(11, 10))  # clicked, but asked a person 10 minutes later: still a gap
    search("refund", 0, at(11, 30))  # {refund} against {refund, status}: Jaccard 0.5, the same question
    search("gift wrapping", 0, at(12))
    search("track parcel", 2, at(13), visitor="ok", clicked=parcel)  # found and opened: no gap
    search("track parcel", 2, at(14), visitor="late", clicked=parcel)
    contact("late", at(16))  # two hours later: not this search's doing
    search("refund status", 0, at(12), language="pt")
    db.session.commit()


def test_similar_wordings_form_one_group_with_its_counts(searches):
    found = gaps()
    assert [(g.label, g.count) for g in found] == [("refund status", 7), ("gift wrapping", 1)]
    refund = found[0]
    assert (refund.zero_result_count, refund.no_click_count, refund.contacted_count) == (4, 2, 1)
    # counted regardless of case, shown as most often typed (a tie: the newest form)
    assert refund.examples == ("refund status", "Status of my refund", "Refund status??", "refund")
    assert (refund.first_seen, refund.last_seen) == (at(9), at(11, 30))
    assert refund.language == "en"


def test_languages_are_grouped_apart(searches):
    found = gaps(language=None)
    assert sorted((g.language, g.label, g.count) for g in found) == [
        ("en", "gift wrapping", 1), ("en", "refund status", 7), ("pt", "refund status", 1)]
    assert [(g.language, g.count) for g in gaps(language="pt")] == [("pt", 1)]


def test_different_questions_sharing_a_word_stay_apart(app):
    search("cancel my order", 0, at(10))
    search("cancel my order", 0, at(10, 1))
    search("order", 0, at(10, 2))  # {order} against {cancel, order}: 0.5, joins
    search("cancel subscription", 0, at(10, 3))  # {cancel, subscript} against {cancel, order}: 1/3
    db.session.commit()
    assert [(g.label, g.count) for g in gaps()] == [("cancel my order", 3), ("cancel subscription", 1)]


def test_limit_and_bad_range(searches):
    assert len(gaps(limit=1)) == 1
    with pytest.raises(DomainError, match="before the start"):
        kb_gaps.content_gaps(start=date(2024, 5, 11), end=date(2024, 5, 10), language=None)


def test_start_draft_makes_a_draft_with_a_unique_slug(app):
    article("refund-status")
    first = kb_gaps.start_draft("refund  status", ["refund status", "Status of my refund", "[x](javascript:alert(1))"],
                                "en", by=CLI)
    second = kb_gaps.start_draft("refund status", ["refund status"], "en", by=CLI)
    assert (first.title, first.slug, second.slug) == ("Refund status", "refund-status-2", "refund-status-3")
    assert first.status == "draft" and not first.is_published and first.visibility == "public"
    assert "- refund status\n- Status of my refund\n" in first.body
    assert "<a " not in first.body_html and "javascript" in first.body_html  # shown as text, not a link
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "article.saved")) is not None
    assert len(db.session.scalars(select(Article)).all()) == 3


def test_start_draft_long_labels_and_refusals(app):
    draft = kb_gaps.start_draft("x" * 300, ["x"], "pt", by=CLI)
    assert len(draft.title) == 200 and len(draft.slug) <= 120 and draft.language == "pt"
    with pytest.raises(DomainError):
        kb_gaps.start_draft("   ", [], "en", by=CLI)
    with pytest.raises(DomainError):
        kb_gaps.start_draft("refund", [], "xx", by=CLI)
