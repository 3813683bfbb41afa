"""The content-gap backlog: what customers searched for and did not find (or did not take), grouped
by similar wording, and a draft article started from one group.

Candidates are the range's searches (capped as in kb_reports) that found nothing, found something
nobody opened, or were followed by a contact from the same visitor within 30 minutes. Grouping is
done in Python over those rows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Article
from app.services.knowledge import articles
from app.services.knowledge.articles import ArticleInput
from app.services.knowledge.reports import (
    SearchRow,
    contact_times,
    contacted_after,
    query_key,
    report_window,
    search_rows,
)
from app.services.platform.audit import Actor

SIMILAR = 0.5  # Jaccard similarity of term sets from which two queries are the same question
MAX_EXAMPLES = 5
MAX_SLUG = 120
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~])")  # what could start markup (links, emphasis, HTML)


@dataclass(frozen=True)
class GapGroup:
    label: str  # the group's most frequent query, as typed
    language: str
    count: int
    zero_result_count: int
    no_click_count: int  # found results, none opened
    contacted_count: int  # followed by a contact within 30 minutes (may also be counted above)
    examples: tuple[str, ...]  # up to MAX_EXAMPLES distinct wordings, most frequent first
    first_seen: datetime
    last_seen: datetime


@dataclass
class _Group:
    terms: frozenset[str]  # the seed's: later members are compared with it, so a group cannot drift
    rows: list[tuple[SearchRow, bool]]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _grouped(candidates: list[tuple[SearchRow, bool]]) -> list[_Group]:
    """Greedy: normalised queries, most frequent first, join the first group of their language whose
    seed is SIMILAR enough, or start one."""
    by_key: dict[tuple[str, tuple[str, ...]], list] = defaultdict(list)
    for row, contacted in candidates:
        by_key[(row.language, query_key(row.query, row.language))].append((row, contacted))
    groups: dict[str, list[_Group]] = defaultdict(list)
    for (language, key), rows in sorted(by_key.items(), key=lambda item: (-len(item[1]), item[0])):
        terms = frozenset(key)
        home = next((g for g in groups[language] if _jaccard(g.terms, terms) >= SIMILAR), None)
        if home is None:
            groups[language].append(_Group(terms, list(rows)))
        else:
            home.rows.extend(rows)
    return [g for language_groups in groups.values() for g in language_groups]


def _gap(group: _Group) -> GapGroup:
    rows = [row for row, _ in group.rows]
    # Wordings are counted regardless of case; each is shown as it was most often typed.
    typed: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        text = " ".join(row.query.split())
        typed[text.casefold()][text] += 1
    ranked = sorted(typed.values(), key=lambda forms: -sum(forms.values()))  # stable: ties keep row order
    examples = [forms.most_common(1)[0][0] for forms in ranked]
    times = [row.created_at for row in rows]
    return GapGroup(
        label=examples[0], language=rows[0].language, count=len(rows),
        zero_result_count=sum(row.results == 0 for row in rows),
        no_click_count=sum(row.results > 0 and not row.clicked for row in rows),
        contacted_count=sum(contacted for _, contacted in group.rows),
        examples=tuple(examples[:MAX_EXAMPLES]), first_seen=min(times), last_seen=max(times))


def content_gaps(*, start: date, end: date, language: str | None, limit: int = 30) -> list[GapGroup]:
    """The console's Content gaps tab: candidate searches from `start` to `end` (days included, UTC)
    grouped by similar wording (query_key term sets, Jaccard >= SIMILAR), largest group first, at
    most `limit`. Raises DomainError for a bad range. Reads only."""
    window = report_window(start, end)
    rows, _ = search_rows(window, language)
    times = contact_times(window, (r.visitor_key for r in rows if r.visitor_key))
    candidates = []
    for row in rows:
        contacted = contacted_after(times, row.visitor_key, row.created_at)
        if row.results == 0 or not row.clicked or contacted:
            candidates.append((row, contacted))
    gaps = [_gap(group) for group in _grouped(candidates)]
    gaps.sort(key=lambda g: (-g.count, -g.last_seen.timestamp(), g.label.casefold()))
    return gaps[:limit]


def _unique_slug(title: str, language: str) -> str:
    base = articles.slugify(title)[:MAX_SLUG - 4].strip("-") or "article"
    taken = set(db.session.scalars(select(Article.slug).where(
        Article.language == language, Article.slug.startswith(base))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _escaped(text: str) -> str:
    """Customer text as literal Markdown (one line, punctuation escaped): a note, not markup."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def _draft_body(examples: Sequence[str]) -> str:
    asked = "\n".join(f"- {_escaped(e)}" for e in examples if e.strip())
    return ("Customers searched the help center for this and did not find an answer. They asked:\n\n"
            f"{asked or '- (no examples)'}\n\nReplace this note with the answer.")


def start_draft(group_label: str, examples: Sequence[str], language: str, *, by: Actor) -> Article:
    """A draft article for a content gap (the Content gaps tab's "Start a draft"): the label as its
    title, a unique slug from it, the customers' wordings as a note in the body. One commit, by
    kb_articles.save_article (audit-logged); raises DomainError for an empty label or a bad language."""
    label = " ".join(group_label.split())
    title = (label[:1].upper() + label[1:])[:200]
    slug = _unique_slug(title, language) if title else ""
    data = ArticleInput(title=title, slug=slug, body=_draft_body(list(examples)[:MAX_EXAMPLES * 2]),
                        language=language, status="draft")
    return articles.save_article(data, by=by)
