"""Typo tolerance and completion: the words the articles use, and the nearest one to a word they lack."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

SCORED_FIELDS = ("content",)


@dataclass(frozen=True)
class Vocabulary:
    """One index generation's terms (stems, for "is this known?") and words (as written, folded,
    with document frequencies: for corrections and completions). Words are sorted for prefix lookups."""

    terms: frozenset[str]
    frequency: dict[str, int]
    words: list[str]

    @classmethod
    def from_reader(cls, reader) -> Vocabulary:
        terms = set()
        for fieldname in SCORED_FIELDS:
            terms.update(_text(t) for t, _ in reader.iter_field(fieldname))
        frequency = {_text(w): info.doc_frequency() for w, info in reader.iter_field("words")}
        return cls(frozenset(terms), frequency, sorted(frequency))

    def __contains__(self, term: str) -> bool:
        return term in self.terms

    def completions(self, prefix: str, limit: int) -> list[str]:
        """The most frequent words that start with the prefix (at most `limit`)."""
        start = bisect.bisect_left(self.words, prefix)
        matches = []
        for word in self.words[start:start + 1000]:
            if not word.startswith(prefix):
                break
            matches.append(word)
        matches.sort(key=lambda w: -self.frequency[w])
        return matches[:limit]

    def correct(self, word: str) -> str | None:
        """The known word nearest to a (folded) word the articles lack, or None if none is near enough.

        Distance is optimal string alignment, so a swap ("recieve") is one edit: one allowed up to six
        letters, two beyond. Nearer wins, then the word more articles use.
        """
        if len(word) < 4 or word.isdigit():
            return None
        max_distance = 1 if len(word) <= 6 else 2
        found = process.extract(word, self.words, scorer=OSA.distance, score_cutoff=max_distance, limit=8)
        if not found:
            return None
        return min(found, key=lambda f: (f[1], -self.frequency[f[0]], f[0]))[0]


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
