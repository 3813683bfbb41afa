"""From what a customer typed to a search plan, without Whoosh's query language.

Nothing typed is parsed as syntax: field names (`status:draft`), wildcards in the middle of words,
AND/OR/NOT and parentheses are plain words. What is understood: "quoted phrases" (required), a
trailing `*` on a word of two letters or more, and (for search-as-you-type) the last word as a
prefix. Plans are bounded: at most MAX_TERMS words and MAX_EXPANSIONS completions per prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge_base import weights as scoring
from knowledge_base.analysis import TextAnalyzer, fold
from knowledge_base.spelling import Vocabulary
from knowledge_base.synonyms import Synonyms

MAX_QUERY_CHARS = 500
MAX_TERMS = 24
MAX_EXPANSIONS = 8
MAX_PHRASES = 4
PHRASE = re.compile(r'"([^"]{1,200})"')
STAR = re.compile(r"(\w{2,})\*")


@dataclass
class Plan:
    """What a query was understood as."""

    weights: dict[str, float] = field(default_factory=dict)  # term -> query weight
    required: list[tuple[str, ...]] = field(default_factory=list)  # quoted phrases: every one must match
    phrases: list[tuple[tuple[str, ...], float]] = field(default_factory=list)  # optional (synonyms)
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> the known word meant

    @property
    def terms(self) -> set[str]:
        """Every term searched for (to mark in snippets)."""
        return set(self.weights) | {t for p in self.required for t in p} | {t for p, _ in self.phrases for t in p}

    def add(self, term: str, weight: float) -> None:
        self.weights[term] = max(weight, self.weights.get(term, 0.0))

    @property
    def empty(self) -> bool:
        return not self.weights and not self.required


def plan(analyzer: TextAnalyzer, vocabulary: Vocabulary, synonyms: Synonyms, text: str,
         *, prefix_last: bool = False) -> Plan:
    """Understand `text`. With prefix_last, the last word (if still being typed) is a prefix."""
    text = (text or "")[:MAX_QUERY_CHARS]
    result = Plan()
    for quoted in PHRASE.findall(text)[:MAX_PHRASES]:
        terms = tuple(t.text for t in analyzer(quoted))
        if len(terms) > 1:
            result.required.append(terms)
    starred = {fold(m) for m in STAR.findall(text)}
    text = PHRASE.sub(lambda m: " " + m.group(1) + " ", text)
    trailing_prefix = prefix_last and text and not text[-1].isspace()
    pairs = analyzer.query_terms(text)[:MAX_TERMS]
    sequence = []
    for index, (word, term) in enumerate(pairs):
        if fold(word) in starred or (trailing_prefix and index == len(pairs) - 1):
            _add_completions(analyzer, vocabulary, fold(word), result)
            if term in vocabulary:
                result.add(term, 1.0)
            continue
        weight = 1.0
        if term not in vocabulary:
            corrected = vocabulary.correct(fold(word))
            corrected_term = corrected and analyzer.term(corrected)
            if not corrected_term or corrected_term not in vocabulary:
                sequence.append(term)  # unknown to the articles, but a synonym group may know it
                continue
            result.corrections[word] = corrected
            term, weight = corrected_term, scoring.CORRECTION_BOOST
        result.add(term, weight)
        sequence.append(term)
    _add_synonyms(synonyms, sequence, vocabulary, result)
    return result


def _add_completions(analyzer: TextAnalyzer, vocabulary: Vocabulary, prefix: str, result: Plan) -> None:
    added = 0
    for word in vocabulary.completions(prefix, MAX_EXPANSIONS * 2):
        term = analyzer.term(word)
        if term and term in vocabulary and term not in result.weights:
            result.add(term, scoring.PREFIX_BOOST)
            added += 1
            if added == MAX_EXPANSIONS:
                break


def _add_synonyms(synonyms: Synonyms, sequence: list[str], vocabulary: Vocabulary, result: Plan) -> None:
    for member in synonyms.expansions(sequence):
        if not all(t in vocabulary for t in member):
            continue
        if len(member) == 1:
            if member[0] not in result.weights:
                result.add(member[0], scoring.SYNONYM_BOOST)
        elif len(result.phrases) < MAX_PHRASES:
            result.phrases.append((member, scoring.SYNONYM_BOOST))
