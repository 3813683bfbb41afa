"""Knowledge-base search: reindex speed, search and suggestion latency, SQLite FTS5 alongside, and a profile.

Run: .venv/bin/python bench/kb.py [--articles N] [--big N] [--queries N] [--seed N]

The corpus is generated, reproducibly: articles of about 400 words whose words (bodies and titles)
are drawn with the word frequencies of the 34 starter articles (knowledge_base/articles/en), in
sentences and paragraphs, titles of 5-9 words drawn the same way, 3-5 tags from the starter
articles' tags. The queries are the English questions of tests/knowledge_base/relevance_set.yml,
cycled to --queries. Everything goes through the framework-free package (knowledge_base), on an
index in a temporary directory: `KnowledgeIndex.rebuild` (timed alone, documents built before),
`search` (limit 10, snippets on) and `suggest` (the question cut at a random point, as if being
typed). Each latency is measured after a warm-up pass over the same queries; the warm-up pass of
search is reported too ("cold": a freshly built index, first reads of each term's postings).
SQLite FTS5 (porter unicode61, bm25 with the same field weights, snippet()) is measured on the same
articles and queries in the same run. Finally 200 searches are profiled with cProfile.
Prints human-readable lines, then one JSON line last.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml
from workload import ROOT, percentile

from knowledge_base.analysis import WORD, analyzer_for, fold
from knowledge_base.documents import ArticleDocument
from knowledge_base.index import KnowledgeIndex
from knowledge_base.rendering import plain_text, render
from knowledge_base.search import search, suggest
from knowledge_base.transfer import ArticleFile, read_dir, write

LANGUAGE = "en"
STARTERS = ROOT / "knowledge_base" / "articles" / "en"
RELEVANCE_SET = ROOT / "tests" / "knowledge_base" / "relevance_set.yml"
CATEGORIES = 8  # category ids "1".."8", as the app indexes `category_id`
PROFILED_SEARCHES = 200
TOP_FUNCTIONS = 12
FTS5_SQL = ("SELECT rowid, title, snippet(t, 2, '<mark>', '</mark>', '…', 32) FROM t WHERE t MATCH ? "
            "ORDER BY bm25(t, 3.0, 2.0, 1.0) LIMIT 10")


def say(text: str) -> None:
    print(text, flush=True)


# ---------------------------------------------------------------------------------------------- corpus


class Corpus:
    """Articles drawn from the starter articles' word distribution (one Random, so reproducible)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        counts: Counter[str] = Counter()
        tags: set[str] = set()
        for item in read_dir(STARTERS, default_language=LANGUAGE):
            if isinstance(item, ArticleFile):
                counts.update(WORD.findall(item.title))
                counts.update(WORD.findall(plain_text(render(item.body))))
                tags.update(item.tags)
        self.words = sorted(counts)
        self.cumulative = list(itertools.accumulate(counts[w] for w in self.words))
        self.tags = sorted(tags)
        self.starter_words = sum(counts.values())

    def draw(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=k)

    def sentence(self, length: int) -> str:
        words = self.draw(length)
        return words[0][:1].upper() + words[0][1:] + " " + " ".join(words[1:]) + "."

    def body(self) -> str:
        """About 400 words: sentences of 6-18 words, paragraphs of 3-6 sentences (one per line)."""
        target, written, paragraphs = self.rng.randint(360, 440), 0, []
        while written < target:
            sentences = []
            for _ in range(self.rng.randint(3, 6)):
                length = min(self.rng.randint(6, 18), max(target - written, 3))
                sentences.append(self.sentence(length))
                written += length
                if written >= target:
                    break
            paragraphs.append(" ".join(sentences))
        return "\n".join(paragraphs)

    def article(self, article_id: int) -> ArticleDocument:
        title = self.sentence(self.rng.randint(5, 9)).rstrip(".")
        tags = tuple(self.rng.sample(self.tags, self.rng.randint(3, 5)))
        return ArticleDocument(article_id=article_id, version=1, language=LANGUAGE, slug=f"article-{article_id}",
                               title=title, text=self.body(), tags=tags,
                               category=str(self.rng.randint(1, CATEGORIES)), visibility="public")

    def articles(self, count: int) -> list[ArticleDocument]:
        return [self.article(i) for i in range(1, count + 1)]


def load_queries(count: int) -> list[str]:
    """The English questions of the relevance set, cycled to `count`."""
    items = yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
    questions = [item["q"] for item in items if item.get("lang") == LANGUAGE]
    return list(itertools.islice(itertools.cycle(questions), count))


def typed_prefixes(queries: list[str], seed: int) -> list[str]:
    """Each question cut at a random point, at least 3 characters in: what has been typed so far."""
    rng = random.Random(seed + 1)
    return [q[:rng.randint(3, len(q))] if len(q) > 3 else q for q in queries]


# ---------------------------------------------------------------------------------------------- timing


def timed_each(run: Callable[[str], object], texts: list[str]) -> list[float]:
    """Milliseconds of each call."""
    samples = []
    for text in texts:
        started = time.perf_counter()
        run(text)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def latency(prefix: str, samples: list[float], shares=(0.5, 0.95, 0.99)) -> dict:
    return {f"{prefix}_p{round(s * 100)}_ms": percentile(samples, s) for s in shares}


def rebuild(root: Path, documents: list[ArticleDocument]) -> tuple[KnowledgeIndex, float]:
    """A fresh index of these documents; articles per second of the rebuild alone."""
    index = KnowledgeIndex(root)
    started = time.perf_counter()
    index.rebuild(LANGUAGE, documents)
    return index, len(documents) / (time.perf_counter() - started)


def measure_search(index: KnowledgeIndex, queries: list[str]) -> tuple[dict, list[float], int]:
    """First search (opens the index), the cold first pass, then the measured pass."""
    def run(text):
        return search(index, text, language=LANGUAGE, limit=10)

    started = time.perf_counter()
    run(queries[0])
    first_ms = (time.perf_counter() - started) * 1000
    cold = timed_each(run, queries)
    warm = timed_each(run, queries)
    empty = sum(1 for text in set(queries) if not run(text).hits)
    return {"first_ms": round(first_ms, 2), **latency("cold", cold, (0.5, 0.95))}, warm, empty


def measure_suggest(index: KnowledgeIndex, prefixes: list[str]) -> list[float]:
    def run(text):
        return suggest(index, text, language=LANGUAGE)

    timed_each(run, prefixes)  # warm-up
    return timed_each(run, prefixes)


# ---------------------------------------------------------------------------------------------- FTS5


def fts5_query(text: str, stopwords: frozenset[str]) -> str:
    """The question's words (stop words dropped) as an OR of quoted tokens: no FTS5 syntax survives."""
    tokens = dict.fromkeys(fold(w) for w in WORD.findall(text))
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens if t not in stopwords)


def measure_fts5(path: Path, documents: list[ArticleDocument], queries: list[str]) -> dict:
    """Load the articles into an FTS5 table (timed), then the same warm-up and measured passes."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(title, tags, body, tokenize='porter unicode61')")
        rows = [(d.article_id, d.title, ", ".join(d.tags), d.text) for d in documents]
        started = time.perf_counter()
        with connection:
            connection.executemany("INSERT INTO t(rowid, title, tags, body) VALUES (?, ?, ?, ?)", rows)
        load_per_s = len(rows) / (time.perf_counter() - started)
        stopwords = analyzer_for(LANGUAGE).stopwords
        matches = {text: fts5_query(text, stopwords) for text in set(queries)}

        def run(text):
            match = matches[text]
            return connection.execute(FTS5_SQL, (match,)).fetchall() if match else []

        timed_each(run, queries)  # warm-up
        samples = timed_each(run, queries)
        empty = sum(1 for text in matches if not run(text))
    finally:
        connection.close()
    return {"fts5_load_articles_per_s": round(load_per_s, 1), **latency("fts5_search", samples),
            "fts5_zero_hit_questions": empty, "fts5_queries_without_words": sum(1 for m in matches.values() if not m)}


# ---------------------------------------------------------------------------------------------- profile


def _in(*files: str) -> Callable[[tuple], bool]:
    """Whether a pstats function key (file, line, name) is in one of these files of the repository."""
    return lambda key: key[0].replace("\\", "/").endswith(files)


def _whoosh_stored(key: tuple) -> bool:
    return "/whoosh/" in key[0].replace("\\", "/") and key[2] in ("stored_fields", "all_stored_fields")


# group -> (its functions, the callers whose calls into it are counted)
GROUPS: dict[str, tuple[Callable[[tuple], bool], Callable[[tuple], bool]]] = {
    "ranking": (_in("knowledge_base/bm25.py"), _in("knowledge_base/search.py")),
    "snippets": (_in("knowledge_base/snippets.py"), _in("knowledge_base/search.py")),
    "query": (_in("knowledge_base/query.py"), _in("knowledge_base/search.py")),
    "stored_fields": (_whoosh_stored, _in("knowledge_base/search.py")),
}
SPELLING = (_in("knowledge_base/spelling.py"), _in("knowledge_base/query.py"))  # part of "query"


def entry_time(stats: dict, member: Callable[[tuple], bool], entry: Callable[[tuple], bool]) -> float:
    """Cumulative seconds of a group's top-level functions: its calls made from `entry` callers, callees included.

    Counted from cumulative time, not tottime per file: pstats keeps each function's cumulative time
    per caller, and only the calls from the orchestrating code (knowledge_base/search.py: `search`
    and its list comprehension) are summed. So a group's own internal calls are not counted twice,
    nor are its generators resumed by builtins (sum, heapq), and callees outside the group count
    for it: Whoosh's postings reading under ranking.Scorer.top, the analyzer and rapidfuzz under
    query.plan (spelling included), the analyzer under snippets, Whoosh's column reads and zlib
    under stored_fields. search.search calls the four one after the other, none from another.
    """
    total = 0.0
    for key, (_cc, _nc, _tt, _ct, callers) in stats.items():
        if member(key):
            total += sum(figures[3] for caller, figures in callers.items() if entry(caller) and not member(caller))
    return total


def profile_searches(index: KnowledgeIndex, queries: list[str]) -> dict:
    """cProfile around PROFILED_SEARCHES warm searches: the top functions printed, shares returned."""
    texts = list(itertools.islice(itertools.cycle(queries), PROFILED_SEARCHES))
    profiler = cProfile.Profile()
    profiler.enable()
    for text in texts:
        search(index, text, language=LANGUAGE, limit=10)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    say(f"\nprofile of {PROFILED_SEARCHES} searches, top {TOP_FUNCTIONS} by cumulative time:")
    stats.sort_stats("cumulative").print_stats(TOP_FUNCTIONS)
    total = stats.total_tt or 1.0
    shares = {name: round(entry_time(stats.stats, *group) / total, 3) for name, group in GROUPS.items()}
    shares["other"] = round(max(1.0 - sum(shares.values()), 0.0), 3)  # search.py itself, filters, profiler
    shares["query_spelling_part"] = round(entry_time(stats.stats, *SPELLING) / total, 3)
    shares["profiled_seconds"] = round(total, 3)
    return shares


# ---------------------------------------------------------------------------------------------- HTTP


def http_figures(tmp: Path, documents: list[ArticleDocument], queries: list[str], prefixes: list[str]) -> dict:
    """GET /api/v1/kb/search and /api/v1/kb/suggest over a real server (gunicorn, one process, the
    embedded default): the articles go in through `flask kb import`, as an admin would load them,
    on top of the demo's starter articles."""
    import requests

    from tests.support.live_server import LiveServer, flask_cli, prepared_sqlite

    files = tmp / "import"
    for doc in documents:
        write(files, ArticleFile(title=doc.title, slug=doc.slug, body=doc.text, language=doc.language,
                                 tags=doc.tags, category=f"Category {doc.category}"))
    (tmp / "server").mkdir()
    env = prepared_sqlite(tmp / "server", HELPDESK_RATE_LIMITS="off", HELPDESK_LOG_FORMAT="text", LOG_LEVEL="WARNING")
    started = time.perf_counter()
    flask_cli(env, "kb", "import", str(files))
    import_s = time.perf_counter() - started
    say(f"http: {len(documents):,} articles imported through `flask kb import` in {import_s:.1f} s")
    with LiveServer(env) as server, requests.Session() as http:
        def get(path: str, text: str) -> None:
            response = http.get(server.url + path, params={"q": text, "lang": LANGUAGE}, timeout=10)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}: {response.text[:200]}")
        timed_each(lambda text: get("/api/v1/kb/search", text), queries[:100])  # warm up
        searches = timed_each(lambda text: get("/api/v1/kb/search", text), queries)
        suggestions = timed_each(lambda text: get("/api/v1/kb/suggest", text), prefixes)
    figures = {**latency("http_search", searches), **latency("http_suggest", suggestions, (0.5, 0.95)),
               "http_import_articles_per_s": round(len(documents) / import_s, 1)}
    say(f"http: search p50 {figures['http_search_p50_ms']} ms, p95 {figures['http_search_p95_ms']} ms; "
        f"suggest p95 {figures['http_suggest_p95_ms']} ms")
    return figures


# ---------------------------------------------------------------------------------------------- main


def run_main_size(tmp: Path, documents: list[ArticleDocument], queries: list[str], prefixes: list[str]) -> dict:
    """Reindex, search, suggest, FTS5 and the profile at --articles."""
    count = len(documents)
    index, per_s = rebuild(tmp / "main", documents)
    say(f"reindex {count:,} articles: {per_s:,.0f} articles/s ({count / per_s:.2f} s)")
    cold, warm, empty = measure_search(index, queries)
    figures = {"reindex_articles_per_s": round(per_s, 1), **latency("search", warm),
               "search_first_ms": cold["first_ms"], "search_cold_p50_ms": cold["cold_p50_ms"],
               "search_cold_p95_ms": cold["cold_p95_ms"], "zero_hit_questions": empty}
    say(f"search: first {cold['first_ms']} ms; cold pass p50 {cold['cold_p50_ms']} / p95 {cold['cold_p95_ms']} ms; "
        f"warm p50 {figures['search_p50_ms']} / p95 {figures['search_p95_ms']} / p99 {figures['search_p99_ms']} ms"
        f" ({empty} distinct questions without hits)")
    figures.update(latency("suggest", measure_suggest(index, prefixes), (0.5, 0.95)))
    say(f"suggest (typed prefixes): p50 {figures['suggest_p50_ms']} / p95 {figures['suggest_p95_ms']} ms")
    fts5 = measure_fts5(tmp / "fts5.db", documents, queries)
    figures.update(fts5)
    figures["whoosh_to_fts5_p95_ratio"] = round(figures["search_p95_ms"] / max(fts5["fts5_search_p95_ms"], 0.01), 2)
    figures["whoosh_to_fts5_p50_ratio"] = round(figures["search_p50_ms"] / max(fts5["fts5_search_p50_ms"], 0.01), 2)
    say(f"fts5: load {fts5['fts5_load_articles_per_s']:,.0f} articles/s; search p50 {fts5['fts5_search_p50_ms']} / "
        f"p95 {fts5['fts5_search_p95_ms']} ms ({fts5['fts5_zero_hit_questions']} distinct questions without hits); "
        f"whoosh/fts5 p50 x{figures['whoosh_to_fts5_p50_ratio']}, p95 x{figures['whoosh_to_fts5_p95_ratio']}")
    figures["profile_shares"] = profile_searches(index, queries)
    say(f"shares of profiled time: {figures['profile_shares']}")
    return figures


def run_big_size(tmp: Path, documents: list[ArticleDocument], queries: list[str]) -> dict:
    """Reindex and search at --big."""
    count = len(documents)
    index, per_s = rebuild(tmp / "big", documents)
    say(f"reindex {count:,} articles: {per_s:,.0f} articles/s ({count / per_s:.2f} s)")
    cold, warm, _empty = measure_search(index, queries)
    figures = {"big_reindex_articles_per_s": round(per_s, 1), "big_search_first_ms": cold["first_ms"],
               "big_search_cold_p95_ms": cold["cold_p95_ms"], **latency("big_search", warm, (0.5, 0.95))}
    say(f"search at {count:,}: first {cold['first_ms']} ms; cold p95 {cold['cold_p95_ms']} ms; "
        f"warm p50 {figures['big_search_p50_ms']} / p95 {figures['big_search_p95_ms']} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=10_000, help="the larger index (0: skip)")
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP figures (a real server)")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = Corpus(args.seed)
    documents = corpus.articles(max(args.articles, args.big))  # --articles are the first of --big
    queries = load_queries(args.queries)
    prefixes = typed_prefixes(queries, args.seed)
    say(f"corpus: {len(documents):,} articles from {corpus.starter_words:,} starter words "
        f"({len(corpus.words):,} distinct), {len(queries)} queries ({len(set(queries))} distinct), "
        f"{time.perf_counter() - started:.1f} s")
    figures = {"articles": args.articles, "queries": len(queries), "distinct_queries": len(set(queries)),
               "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(run_main_size(Path(tmp), documents[:args.articles], queries, prefixes))
        if args.big:
            figures["big_articles"] = args.big
            figures.update(run_big_size(Path(tmp), documents[:args.big], queries))
        if not args.no_http:
            figures.update(http_figures(Path(tmp), documents[:args.articles], queries, prefixes))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
