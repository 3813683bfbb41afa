"""The index on disk: one Whoosh index per language, written atomically, read by many processes.

Whoosh writes a new table of contents through a temporary file and a rename, so a reader sees
either the previous generation or the new one, never half a commit; a writer killed mid-commit
leaves the previous generation serving. Only one writer holds an index's lock at a time: others
wait up to `timeout` seconds. Readers never wait.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.searching import Searcher

from knowledge_base.documents import ArticleDocument
from knowledge_base.schema import SCHEMA_VERSION, schema_for
from knowledge_base.weights import weighting

INDEX_NAME = f"kb_v{SCHEMA_VERSION}"
# Whoosh's in-memory sort buffer. A few edits need little; a full rebuild that outgrows the buffer
# spills sorted runs to disk and merges them, which halved its speed at 10,000 articles (260/s
# against 500/s with 1 GB; the process peaked at 730 MB for 10,000 articles of 400 words).
WRITE_LIMIT_MB = 128
REBUILD_LIMIT_MB = 1024


class IndexMissing(Exception):
    """The language has no index yet (or one built with another schema version): rebuild it."""


class IndexBusy(Exception):
    """Another writer held the index for longer than the timeout."""


@dataclass
class Generation:
    """A searcher on one generation of an index, and what is derived from it (built on first use)."""

    searcher: Searcher
    directory: int = 0  # the index directory's inode: a directory deleted and rebuilt is a new index
    cache: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class KnowledgeIndex:
    """All languages' indexes under one directory (`root/<language>/`)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._generations: dict[str, Generation] = {}
        self._lock = threading.Lock()

    def _storage(self, language: str, *, create: bool = False) -> FileStorage:
        if not re.fullmatch(r"[a-z]{2}", language):
            raise ValueError(f"not a language code: {language!r}")
        path = self.root / language
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return FileStorage(str(path))

    def exists(self, language: str) -> bool:
        """Whether the language has an index of the current schema version (a table of contents:
        Whoosh writes `_<name>_<generation>.toc`). One directory listing, cheap enough per search."""
        try:
            names = os.listdir(self.root / language)
        except OSError:
            return False
        prefix = f"_{INDEX_NAME}_"
        return any(n.startswith(prefix) and n.endswith(".toc") for n in names)

    def languages(self) -> list[str]:
        """Languages that have an index."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.exists(p.name))

    def _open(self, language: str, *, create: bool = False):
        if self.exists(language):
            return _retrying(lambda: whoosh_index.open_dir(str(self.root / language), indexname=INDEX_NAME))
        if not create:
            raise IndexMissing(language)
        storage = self._storage(language, create=True)
        lock = storage.lock(f"{INDEX_NAME}_create")
        lock.acquire(blocking=True)  # two processes creating the same index at once
        try:
            if self.exists(language):
                return _retrying(lambda: whoosh_index.open_dir(str(self.root / language), indexname=INDEX_NAME))
            return storage.create_index(schema_for(language), indexname=INDEX_NAME)
        finally:
            lock.release()

    def generation(self, language: str) -> Generation:
        """The current generation's searcher, reopened when a writer has committed since (or the
        directory was deleted and rebuilt). IndexMissing when there is no index any more."""
        with self._lock:
            current = self._generations.get(language)
            if not self.exists(language):
                self._generations.pop(language, None)
                raise IndexMissing(language)
            inode = (self.root / language).stat().st_ino
            if current is not None and current.directory == inode:
                try:
                    if current.searcher.up_to_date():
                        return current
                except (OSError, whoosh_index.EmptyIndexError):  # its files went away meanwhile
                    pass
            # A new searcher, not Searcher.refresh(): refresh closes the readers it does not reuse,
            # under the feet of threads still searching the old generation (they finish on it; it
            # is closed when the last one lets go).
            fresh = Generation(_retrying(lambda: self._open(language).searcher(weighting=weighting())), inode)
            self._generations[language] = fresh
            return fresh

    def _writer(self, ix, timeout: float, limit_mb: int = WRITE_LIMIT_MB):
        try:
            writer = ix.writer(timeout=timeout, delay=0.05, limitmb=limit_mb)
        except whoosh_index.LockError as exc:
            raise IndexBusy(str(exc)) from exc
        if hasattr(writer, "per_document_reader"):
            make_reader = writer.per_document_reader
            writer.per_document_reader = lambda: _Lengths(make_reader(), writer.schema)
        return writer

    def write(self, language: str, *, upserts: Iterable[ArticleDocument] = (),
              deletes: Iterable[int] = (), timeout: float = 10.0) -> None:
        """Add or replace some articles and remove others, in one commit."""
        upserts, deletes = list(upserts), list(deletes)
        if not upserts and not deletes:
            return
        writer = self._writer(self._open(language, create=True), timeout)
        try:
            for article_id in deletes:
                writer.delete_by_term("article_id", str(article_id))
            for doc in upserts:
                writer.update_document(**doc.fields())
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, language: str, documents: Iterable[ArticleDocument], *, timeout: float = 30.0) -> int:
        """Replace the whole index by these documents in one commit (readers keep the old one until then)."""
        writer = self._writer(self._open(language, create=True), timeout, REBUILD_LIMIT_MB)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**doc.fields())
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)
        return count

    def versions(self, language: str) -> dict[int, int]:
        """article_id -> version of every indexed article (reconciliation compares it with the database)."""
        if not self.exists(language):
            return {}
        searcher = self.generation(language).searcher
        return {int(fields["article_id"]): fields["version"] for fields in searcher.all_stored_fields()}

    def count(self, language: str, *, visibility: str | None = None) -> int:
        """How many articles the language's index holds."""
        searcher = self.generation(language).searcher
        if visibility is None:
            return searcher.doc_count()
        return searcher.search(Term("visibility", visibility), limit=None, scored=False).scored_length()


def _retrying(open_index, attempts: int = 5):
    """Open again when a commit in another process deleted the files being opened.

    Opening reads the newest table of contents, then its segments; a commit in between replaces
    the table and may delete those segments (FileNotFoundError). The next attempt finds the new
    generation, which is complete."""
    for attempt in range(attempts):
        try:
            return open_index()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class _Lengths:
    """Field lengths for Whoosh's postings writer, looked up once per document and field.

    When a segment is flushed, Whoosh asks for the field length once per posting (165 times per
    article), and for a field without lengths it checks the disk for the column each time: a
    third of indexing time. Same answers, from a dictionary.
    """

    def __init__(self, reader, schema):
        self._reader = reader
        self._scorable = {name for name, field_type in schema.items() if field_type.scorable}
        self._cache: dict[tuple[str, int], int] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in self._scorable:
            return default
        key = (fieldname, docnum)
        length = self._cache.get(key)
        if length is None:
            length = self._cache[key] = self._reader.doc_field_length(docnum, fieldname, default)
        return length

    def close(self):
        self._reader.close()
