"""Searching one language's index: ranked hits with snippets, "did you mean", search-as-you-type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from whoosh import query as q

from knowledge_base import snippets
from knowledge_base.analysis import WORD, analyzer_for
from knowledge_base.bm25 import Scorer
from knowledge_base.index import Generation, KnowledgeIndex
from knowledge_base.query import plan
from knowledge_base.spelling import Vocabulary
from knowledge_base.synonyms import DEFAULT_SYNONYMS, Synonyms

PUBLIC = ("public",)
SUGGEST_FLOOR = 0.4


@dataclass(frozen=True)
class Hit:
    """One matching article, best first."""

    article_id: int
    slug: str
    title: str
    score: float
    category: str = ""
    snippet: str = ""
    snippet_html: str = ""


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    suggestion: str | None = None  # the query with misspellings corrected, when any were


@lru_cache(maxsize=256)
def _synonyms(language: str, groups: tuple[str, ...]) -> Synonyms:
    return Synonyms.compile(analyzer_for(language), groups)


def _derived(generation: Generation, key: str, build):
    """What one generation computes once: its vocabulary, its scorer."""
    value = generation.cache.get(key)
    if value is None:
        with generation.lock:
            value = generation.cache.get(key)
            if value is None:
                value = generation.cache[key] = build(generation.searcher)
    return value


def _vocabulary(generation: Generation) -> Vocabulary:
    return _derived(generation, "vocabulary", lambda s: Vocabulary.from_reader(s.reader()))


def _allowed(generation: Generation, visibility: Sequence[str], category: str | None) -> set[int]:
    """Document numbers a caller may see, computed once per index generation and filter."""
    key = ("filter", tuple(sorted(visibility)), category)
    docs = generation.cache.get(key)
    if docs is None:
        clause: q.Query = q.Or([q.Term("visibility", v) for v in visibility])
        if category:
            clause = q.And([clause, q.Term("category", category)])
        docs = set(generation.searcher.docs_for_query(clause))  # Whoosh takes a set, not a frozenset
        generation.cache[key] = docs
    return docs


def search(index: KnowledgeIndex, text: str, *, language: str, limit: int = 10,
           visibility: Sequence[str] = PUBLIC, category: str | None = None,
           synonyms: Sequence[str] | None = None, boosts: Mapping[int, float] | None = None,
           with_snippets: bool = True, prefix_last: bool = False) -> SearchResult:
    """Rank the articles of one language for a customer's words.

    `synonyms` are the site's groups for the language (defaults when None); `boosts` multiplies the
    score of an article (customers found it helpful); with `prefix_last` the last word is completed.
    Raises IndexMissing when the language has no index.
    """
    analyzer = analyzer_for(language)
    generation = index.generation(language)
    vocabulary = _vocabulary(generation)
    groups = tuple(DEFAULT_SYNONYMS.get(language, ()) if synonyms is None else synonyms)
    understood = plan(analyzer, vocabulary, _synonyms(language, groups), text, prefix_last=prefix_last)
    if understood.empty:
        return SearchResult([])
    scorer = _derived(generation, "scorer", Scorer)
    top = scorer.top(understood.weights, limit=limit + 10, allowed=_allowed(generation, visibility, category),
                     required=understood.required, phrases=understood.phrases)
    stored = generation.searcher.stored_fields
    candidates = [(score, stored(doc)) for score, doc in top]
    if boosts:  # customers' votes: applied to the best few, which is where they can change the order
        candidates = [(score * boosts.get(int(f["article_id"]), 1.0), f) for score, f in candidates]
        candidates.sort(key=lambda pair: -pair[0])
    terms = understood.terms
    hits = []
    for score, fields in candidates[:limit]:
        plain, html = snippets.snippet(analyzer, fields["body"], terms) if with_snippets else ("", "")
        hits.append(Hit(int(fields["article_id"]), fields["slug"], fields["title"], round(score, 4),
                        _category(fields), plain, html))
    suggestion = _corrected(text, understood.corrections) if understood.corrections else None
    return SearchResult(hits, suggestion)


def _category(fields: dict) -> str:
    category = fields.get("category", "")
    return "" if category == "-" else category  # "-" stands for none in the index


def _corrected(text: str, corrections: Mapping[str, str]) -> str:
    """The query as typed, with each misspelled word replaced by the word meant."""
    return WORD.sub(lambda m: corrections.get(m.group(), m.group()), text[:500]).strip()


def suggest(index: KnowledgeIndex, text: str, *, language: str, limit: int = 5,
            visibility: Sequence[str] = PUBLIC, synonyms: Sequence[str] | None = None,
            boosts: Mapping[int, float] | None = None) -> list[Hit]:
    """Search-as-you-type: titles of the best articles for what has been typed so far. Articles
    that match far worse than the best one (under SUGGEST_FLOOR of its score) are left out: a
    short list of likely answers reads better than five guesses."""
    hits = search(index, text, language=language, limit=limit, visibility=visibility, synonyms=synonyms,
                  boosts=boosts, with_snippets=False, prefix_last=True).hits
    return [h for h in hits if h.score >= SUGGEST_FLOOR * hits[0].score] if hits else []
