"""Result snippets: the passage of the body that matches best, with the matching words marked.

Matching words are found with the analyzer's cached word-to-term map, so a snippet is a dictionary
lookup per word, not a re-analysis through Whoosh's highlighter. All text is escaped before marks
are added.
"""

from __future__ import annotations

import re
from html import escape

from knowledge_base.analysis import TextAnalyzer

# A sentence ends at . ! ? followed by a space or the end, or at a line break ("EUR 3.95" is one).
SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[^\s.!?]))+[.!?]*")
MAX_CHARS = 220


def snippet(analyzer: TextAnalyzer, text: str, terms: set[str]) -> tuple[str, str]:
    """(plain, html) for the best passage of the text for these query terms."""
    best_start, best_end, best_score = 0, min(len(text), MAX_CHARS), -1
    for match in SENTENCE.finditer(text):
        sentence = match.group()
        score = sum(1 for term in analyzer.terms_of(sentence) if term in terms)
        if score > best_score:
            best_start, best_end, best_score = match.start(), match.end(), score
        if best_score >= len(terms) and best_score > 0:
            break
    start, end = best_start, best_end
    while end - start < MAX_CHARS // 2 and end < len(text):  # a short sentence: take the next one too
        following = SENTENCE.match(text, end)
        if not following:
            break
        end = following.end()
    passage = text[start:end].strip()
    if len(passage) > MAX_CHARS:
        cut = passage.rfind(" ", 0, MAX_CHARS)
        passage = passage[:cut if cut > 0 else MAX_CHARS] + "…"
    return passage, mark(analyzer, passage, terms)


def mark(analyzer: TextAnalyzer, text: str, terms: set[str]) -> str:
    """The text escaped, with each word whose term is wanted inside <mark>."""
    out, last = [], 0
    for word, start, end in analyzer.words(text):
        if analyzer.term(word) in terms:
            out.append(escape(text[last:start]))
            out.append(f"<mark>{escape(word)}</mark>")
            last = end
    out.append(escape(text[last:]))
    return "".join(out)

