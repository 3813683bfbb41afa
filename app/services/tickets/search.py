"""Full-text search over tickets' subjects and messages (public replies and notes: agents only),
newest matches first, each ticket once with a snippet of where the words were found.

Every word must appear (in the subject or in one message); the last word also matches as a prefix
("refu" finds "refund"). Words are quoted before they reach the query language, so nothing a
user types can break or widen the query. The index is the database's (app/models/ticket_search.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from psycopg.errors import QueryCanceled
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.extensions import db

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8
SCAN = 400  # newest matching messages looked at; a page of tickets comes from them
HIT_START, HIT_END = "\x02", "\x03"  # around found words in snippets; the template marks them


@dataclass(frozen=True)
class Hit:
    ticket_id: int
    snippet: str  # plain text with HIT_START/HIT_END around the found words


def words(query: str) -> list[str]:
    return [w.lower() for w in WORD.findall(query or "")][:MAX_WORDS]


def _fts_query(terms: list[str]) -> str:
    quoted = [f'"{t}"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def _sqlite(terms: list[str], limit: int) -> list[Hit]:
    match = _fts_query(terms)
    subjects = db.session.execute(text(
        "SELECT rowid, snippet(ticket_subject_search, 0, :a, :b, '…', 12) FROM ticket_subject_search "
        "WHERE ticket_subject_search MATCH :q ORDER BY rowid DESC LIMIT :n"),
        {"q": match, "a": HIT_START, "b": HIT_END, "n": limit}).all()
    messages = db.session.execute(text(
        "SELECT m.ticket_id, s.snippet FROM (SELECT rowid AS id, snippet(ticket_message_search, 0, :a, :b, '…', 16)"
        " AS snippet FROM ticket_message_search WHERE ticket_message_search MATCH :q ORDER BY rowid DESC LIMIT :scan)"
        " s JOIN ticket_messages m ON m.id = s.id ORDER BY s.id DESC"),
        {"q": match, "a": HIT_START, "b": HIT_END, "scan": SCAN}).all()
    return _merge(subjects, messages, limit)


# PostgreSQL's newest-first search has two good plans and a planner that cannot tell them apart:
# walking the primary key backwards and testing each row finds common words at once (the newest
# 400 of half a million "refund" messages: 40 ms) but reads every row when the words are rare or
# absent (5M messages: 20 s); the GIN index finds rare words at once but builds and rechecks the
# whole match set of a common word (12 s). So: the walk, stopped after WALK_MS, then the index.
WALK_MS = 300
_NEWEST = ("SELECT id FROM {table}, to_tsquery('simple', :q) q WHERE to_tsvector('simple', {column}) @@ q "
           "ORDER BY id DESC LIMIT :n")
_INDEXED = ("WITH found AS MATERIALIZED (SELECT id FROM {table}, to_tsquery('simple', :q) q "
            "WHERE to_tsvector('simple', {column}) @@ q) SELECT id FROM found ORDER BY id DESC LIMIT :n")


def _newest_ids(table: str, column: str, query: str, limit: int) -> list[int]:
    """The ids of the newest `limit` rows matching, by whichever plan answers first (see WALK_MS)."""
    params = {"q": query, "n": limit}
    try:
        with db.session.begin_nested():  # a cancelled walk rolls back to here, its settings with it
            db.session.execute(text(f"SET LOCAL statement_timeout = {WALK_MS}"))
            db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
            ids = db.session.scalars(text(_NEWEST.format(table=table, column=column)), params).all()
            db.session.execute(text("SET LOCAL statement_timeout = DEFAULT"))
            db.session.execute(text("SET LOCAL enable_bitmapscan = DEFAULT"))
        return ids
    except OperationalError as error:
        if not isinstance(error.orig, QueryCanceled):
            raise
    return db.session.scalars(text(_INDEXED.format(table=table, column=column)), params).all()


def _postgres(terms: list[str], limit: int) -> list[Hit]:
    query = " & ".join(re.sub(r"\W", "", t) for t in terms) + ":*"
    head = "StartSel=" + HIT_START + ", StopSel=" + HIT_END + ", MaxWords=16, MinWords=6"
    subjects = db.session.execute(text(
        "SELECT id, ts_headline('simple', subject, to_tsquery('simple', :q), :h) FROM tickets "
        "WHERE id = ANY(:ids) ORDER BY id DESC"),
        {"q": query, "h": head, "ids": _newest_ids("tickets", "subject", query, limit)}).all()
    messages = db.session.execute(text(
        "SELECT ticket_id, ts_headline('simple', body, to_tsquery('simple', :q), :h) FROM ticket_messages "
        "WHERE id = ANY(:ids) ORDER BY id DESC"),
        {"q": query, "h": head, "ids": _newest_ids("ticket_messages", "body", query, SCAN)}).all()
    return _merge(subjects, messages, limit)


def _merge(subjects, messages, limit: int) -> list[Hit]:
    """Each ticket once, newest ticket first: a subject hit, else its newest matching message."""
    found: dict[int, str] = {}
    for ticket_id, snippet in messages:
        found.setdefault(ticket_id, snippet)
    for ticket_id, snippet in subjects:
        found[ticket_id] = snippet
    return [Hit(ticket_id, found[ticket_id]) for ticket_id in sorted(found, reverse=True)[:limit]]


def search(query: str, limit: int = 50) -> list[Hit]:
    """The tickets whose subject or messages hold every word of the query."""
    terms = words(query)
    if not terms:
        return []
    if db.engine.dialect.name == "sqlite":
        return _sqlite(terms, limit)
    return _postgres(terms, limit)
