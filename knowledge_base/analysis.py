"""Text analysis per language: one pass from text to index terms (tokenise, lowercase, stop, stem, fold).

Whoosh's own chain (tokenizer | lowercase | stop | stem) passes every token through four generators;
indexing spends a third of its time there. This analyzer does the same work in one loop with a cache
from word to term, and stems with the Snowball C library (PyStemmer) where it has the language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from whoosh.analysis import Analyzer, Token
from whoosh.lang import has_stopwords, stopwords_for_language

# Two-letter codes to Snowball algorithm names: the languages with a stemmer.
STEMMERS = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish",
}
# Scripts written without spaces: indexed as overlapping character pairs (bigrams), the usual
# approach when there is no word segmenter.
BIGRAM_LANGUAGES = frozenset({"zh", "ja", "ko", "th"})
WORD = re.compile(r"\w+(?:[.'’]\w+)*", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")

# Words customers put around a question that say nothing about its subject. Removed from queries
# only (never from articles), on top of the language's stop words.
QUERY_FILLERS = {
    "en": "hi hello hey dear please pls plz thanks thank thx help question ask asking want wanted need "
          "would could like get got im ive id youre dont doesnt didnt cant cannot wont isnt wasnt arent "
          "anyone someone something know tell still already also yes ok okay",
    "pt": "olá ola bom dia boa tarde noite obrigado obrigada por favor ajuda pergunta queria quero "
          "preciso gostaria saber alguém ainda já sim",
    "nl": "hallo hoi goedemiddag goedemorgen beste bedankt dank alsjeblieft aub graag hulp vraag wil "
          "wilde moet zou kunnen weten iemand nog al ja",
}


def fold(text: str) -> str:
    """Lowercase and strip accents, so "devolução" and "devolucao" meet."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def plain(word: str) -> str:
    """A word as terms and vocabularies hold it: folded, apostrophes gone ("Can't" -> "cant")."""
    return fold(word).replace("'", "").replace("’", "")


def supported(language: str) -> bool:
    """Whether the language code is one this package analyses (any two-letter code is)."""
    return bool(re.fullmatch(r"[a-z]{2}", language or ""))


class TextAnalyzer(Analyzer):
    """Whoosh analyzer for one language: terms are folded stems, stop words removed.

    Picklable (Whoosh stores the schema in the index): only the language is kept, the stemmer and
    caches are rebuilt on load.
    """

    def __init__(self, language: str):
        self.language = language
        self._setup()

    def _setup(self) -> None:
        algorithm = STEMMERS.get(self.language)
        self._stem = Stemmer.Stemmer(algorithm).stemWord if algorithm else None
        self.stopwords = frozenset(
            fold(w) for w in (stopwords_for_language(self.language) if has_stopwords(self.language) else ()))
        self.fillers = frozenset(fold(w) for w in QUERY_FILLERS.get(self.language, "").split())
        self._terms: dict[str, str | None] = {}
        self._bigrams = self.language in BIGRAM_LANGUAGES

    def __getstate__(self):
        return {"language": self.language}

    def __setstate__(self, state):
        self.language = state["language"]
        self._setup()

    def __eq__(self, other):
        return isinstance(other, TextAnalyzer) and other.language == self.language

    def __hash__(self):
        return hash(("TextAnalyzer", self.language))

    def term(self, word: str) -> str | None:
        """The index term for one word, or None for a stop word. Cached (bounded)."""
        term = self._terms.get(word)
        if term is None and word not in self._terms:
            # Folded before stemming: customers often type without accents, and both spellings
            # must reach the same term ("devolução", "devolucao"); apostrophes go ("can't", "cant").
            folded = plain(word)
            if folded in self.stopwords:
                term = None
            else:
                term = self._stem(folded) if self._stem else folded
            if len(self._terms) > 200_000:
                self._terms.clear()
            self._terms[word] = term
        return term

    def words(self, text: str):
        """(word, start, end) for each word of the text; CJK runs become character bigrams."""
        if not self._bigrams:
            return ((m.group(), m.start(), m.end()) for m in WORD.finditer(text))
        return self._words_with_bigrams(text)

    def _words_with_bigrams(self, text: str):
        for match in WORD.finditer(text):
            word = match.group()
            if _CJK.search(word):
                yield from _bigrams(word, match.start())
            else:
                yield word, match.start(), match.end()

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        """Whoosh's analyzer protocol: one reused Token per term (as Whoosh's own tokenizers do).

        A `Weighted` value is several texts with a weight each (title, tags, body): every token
        carries its text's weight, and positions jump between texts so a phrase cannot span two.
        """
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        cache, lookup = self._terms, self.term
        for text, weight in getattr(value, "parts", ((value, 1.0),)):
            for word, start, end in self.words(text):
                term = cache[word] if word in cache else lookup(word)
                if term is None:
                    if not removestops:
                        token.text, token.stopped = word.lower(), True
                        yield token
                    continue
                token.text, token.stopped, token.boost = term, False, weight
                if keeporiginal:
                    token.original = word
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar, token.endchar = start_char + start, start_char + end
                pos += 1
                yield token
            pos += 100

    def terms_of(self, text: str) -> list[str | None]:
        """The term of each word of a text, in order (None for stop words): the fast path for snippets."""
        cache, term = self._terms, self.term
        return [cache[w] if w in cache else term(w) for w in WORD.findall(text)] if not self._bigrams \
            else [term(w) for w, _, _ in self.words(text)]

    def query_terms(self, text: str) -> list[tuple[str, str]]:
        """(word, term) pairs of a query in order, fillers and stop words left out."""
        pairs = []
        for word, _, _ in self.words(text):
            if plain(word) in self.fillers:
                continue
            term = self.term(word)
            if term:
                pairs.append((word, term))
        return pairs


class WordsAnalyzer(Analyzer):
    """The distinct folded words of a text, unstemmed, without stop words: the spelling vocabulary."""

    def __init__(self, language: str):
        self.language = language
        self._text = TextAnalyzer.__new__(TextAnalyzer)
        self._text.language = language
        self._text._bigrams = language in BIGRAM_LANGUAGES
        self._stopwords = analyzer_for(language).stopwords

    def __getstate__(self):
        return {"language": self.language}

    def __setstate__(self, state):
        self.__init__(state["language"])

    def __eq__(self, other):
        return isinstance(other, WordsAnalyzer) and other.language == self.language

    def __hash__(self):
        return hash(("WordsAnalyzer", self.language))

    def __call__(self, value, **kwargs):
        token = Token(**kwargs)
        words = WORD.findall(value) if not self._text._bigrams else [w for w, _, _ in self._text.words(value)]
        folded = {plain(w) for w in set(words) if len(w) > 2 and not w.isdigit()}
        for word in sorted(folded - self._stopwords):
            token.text, token.stopped, token.boost = word, False, 1.0
            yield token


class Weighted(str):
    """A field value made of several texts, each with a weight: the words of a title count more than
    those of the body. The string itself is the texts joined (what Whoosh sees as the value)."""

    parts: tuple[tuple[str, float], ...]

    def __new__(cls, parts):
        value = super().__new__(cls, "\n".join(text for text, _ in parts))
        value.parts = tuple(parts)
        return value


def _bigrams(run: str, offset: int):
    if len(run) == 1:
        yield run, offset, offset + 1
    for i in range(len(run) - 1):
        yield run[i:i + 2], offset + i, offset + i + 2


@lru_cache(maxsize=64)
def analyzer_for(language: str) -> TextAnalyzer:
    """The shared analyzer of a language (its term cache is worth keeping)."""
    return TextAnalyzer(language)
