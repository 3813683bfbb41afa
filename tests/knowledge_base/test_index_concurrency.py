"""The index under concurrent writers and readers, and after a writer dies (knowledge_base.index)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

import knowledge_base
from knowledge_base.index import KnowledgeIndex
from knowledge_base.search import search
from tests.knowledge_base.conftest import make_doc, starter_documents

REPO = Path(knowledge_base.__file__).resolve().parents[1]
WRITES = 100
ARTICLES_PER_WORKER = 20

WRITER = textwrap.dedent("""
    import sys

    from knowledge_base.documents import ArticleDocument
    from knowledge_base.index import KnowledgeIndex

    root, worker, writes, articles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    index = KnowledgeIndex(root)
    for n in range(writes):
        number = n % articles
        index.write("en", upserts=[ArticleDocument(
            1000 * worker + number, n + 1, "en", f"worker-{worker}-{number}", f"Samovar {worker} {number}",
            f"Written by worker {worker} in round {n}: descale the samovar.")], timeout=30)
    print("done", flush=True)
""")

BULK_REBUILD = textwrap.dedent("""
    import sys

    from knowledge_base.documents import ArticleDocument
    from knowledge_base.index import KnowledgeIndex

    WORDS = "rinse samovar kettle parcel leaves brew steep water cup mug infuser strainer".split()

    def documents():
        for n in range(2000):
            if n == 1:
                print("adding", flush=True)
            text = " ".join(f"{WORDS[(n + k) % len(WORDS)]}{(n * 7 + k) % 500}" for k in range(100))
            yield ArticleDocument(5000 + n, 1, "en", f"bulk-{n}", f"Bulk article {n}", text)
        print("committing", flush=True)

    KnowledgeIndex(sys.argv[1]).rebuild("en", documents(), timeout=30)
    print("finished", flush=True)
""")


def python(script: str, *args: object) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def seeded(tmp_path) -> tuple[Path, KnowledgeIndex, dict[int, int]]:
    """An index of the English starter articles, and their versions."""
    root = tmp_path / "index"
    index = KnowledgeIndex(root)
    index.rebuild("en", starter_documents("en"))
    return root, index, index.versions("en")


def test_two_writer_processes_and_a_reader(seeded):
    root, index, starter_versions = seeded
    writers = [python(WRITER, root, worker, WRITES, ARTICLES_PER_WORKER) for worker in (1, 2)]
    searches = 0
    try:
        deadline = time.monotonic() + 60
        while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
            assert search(index, "when will i get my refund", language="en").hits[0].slug == "refund-timing"
            found = search(index, "samovar", language="en", limit=50).hits
            assert all(hit.title.startswith("Samovar") for hit in found)
            versions = index.versions("en")
            assert starter_versions.items() <= versions.items()
            searches += 1
    finally:
        outcomes = []
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
            out, err = writer.communicate(timeout=30)
            outcomes.append((writer.returncode, out, err))
    assert outcomes == [(0, "done\n", "")] * 2
    assert searches > 0

    # Worker w's article 1000 * w + k was last written in round 80 + k: version 81 + k.
    expected = {1000 * worker + number: WRITES - ARTICLES_PER_WORKER + number + 1
                for worker in (1, 2) for number in range(ARTICLES_PER_WORKER)}
    assert index.versions("en") == {**starter_versions, **expected}
    assert KnowledgeIndex(root).versions("en") == {**starter_versions, **expected}
    assert len(search(index, "samovar", language="en", limit=100).hits) == len(expected)


@pytest.mark.parametrize("killed_while", ["adding", "committing"])
def test_a_writer_killed_mid_rebuild_leaves_the_previous_generation(seeded, killed_while):
    root, index, starter_versions = seeded
    before = [hit.slug for hit in search(index, "when will i get my refund", language="en").hits]
    rebuild = python(BULK_REBUILD, root)
    try:
        for line in rebuild.stdout:
            if line.strip() == killed_while:
                break
        else:
            pytest.fail(f"the rebuild stopped early: {rebuild.stderr.read()}")
        time.sleep(0.5)
        os.kill(rebuild.pid, signal.SIGKILL)
        assert rebuild.wait(timeout=10) == -signal.SIGKILL
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
            rebuild.wait()
        rebuild.stdout.close()
        rebuild.stderr.close()

    for reader in (index, KnowledgeIndex(root)):  # the index open before, and one opened now
        assert reader.versions("en") == starter_versions
        assert [hit.slug for hit in search(reader, "when will i get my refund", language="en").hits] == before
        assert search(reader, "samovar", language="en").hits == []

    # The dead writer's lock went with it: a writer gets in at once.
    started = time.monotonic()
    KnowledgeIndex(root).write("en", upserts=[make_doc(900, "Samovar care", "Descale the samovar.")], timeout=5)
    assert time.monotonic() - started < 5
    assert index.versions("en") == {**starter_versions, 900: 1}
    assert [hit.article_id for hit in search(index, "samovar", language="en").hits] == [900]


def test_searches_in_other_threads_survive_a_commit(seeded):
    """One process, many threads (gunicorn's gthread worker): a search that started on one generation
    must be able to finish while another thread's search moves the index on to the next one."""
    _, index, _ = seeded
    errors: list[BaseException] = []
    searches = 0
    stop = threading.Event()

    def searching():
        nonlocal searches
        while not stop.is_set():
            try:
                search(index, "refund for a broken teapot", language="en")
                searches += 1
            except Exception as exc:  # every failure is collected and reported below
                errors.append(exc)

    threads = [threading.Thread(target=searching) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(20):
            index.write("en", upserts=[make_doc(800 + n, "Samovar care", "Descale the samovar.")])
            time.sleep(0.01)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert searches > 0
    assert not errors, f"{len(errors)} of {len(errors) + searches} searches failed: {sorted({repr(e) for e in errors})}"


@pytest.fixture
def commit_while_opening(monkeypatch):
    """commit_while_opening(suffix, commit): run `commit` (another writer's) once, just before this process
    opens its next index file whose name ends with the suffix; the point in time that timing-dependent
    races with other processes hit now and then, made certain."""

    def arrange(suffix: str, commit) -> list[str]:
        opened = FileStorage.open_file
        fired: list[str] = []

        def open_file(storage, name, *args, **kwargs):
            if name.endswith(suffix) and not fired:
                fired.append(name)
                commit()
            return opened(storage, name, *args, **kwargs)

        monkeypatch.setattr(FileStorage, "open_file", open_file)
        return fired

    return arrange


@pytest.mark.parametrize("opening", ["a reader moving on", "a reader opening", "a writer opening"])
def test_a_commit_that_replaces_the_table_of_contents_being_read(seeded, commit_while_opening, opening):
    """Each commit writes a new table of contents (_kb_v3_<generation>.toc) and deletes the previous one:
    whoever listed the directory just before (to open the index, or move on to its latest generation)
    must take the new one, not fail."""
    root, index, starter_versions = seeded
    other = KnowledgeIndex(root)  # another process's
    other.write("en", upserts=[make_doc(900, "Samovar", "Samovar.")])  # `index` is one generation behind
    opener = index if opening == "a reader moving on" else KnowledgeIndex(root)
    fired = commit_while_opening(".toc", lambda: other.write("en", upserts=[make_doc(901, "Urn", "Samovar urn.")]))
    expected = {**starter_versions, 900: 1, 901: 1}
    if opening == "a writer opening":
        opener.write("en", upserts=[make_doc(902, "Kettle", "Samovar kettle.")])
        expected[902] = 1
    assert opener.versions("en") == expected
    assert fired
    samovars = sorted(article_id for article_id in expected if article_id >= 900)
    assert sorted(hit.article_id for hit in search(opener, "samovar", language="en").hits) == samovars


def test_a_commit_that_removes_the_segments_being_opened(seeded, commit_while_opening):
    """A reader moving on to a new generation opens its segments; a rebuild committed meanwhile deletes them.
    The reader must retry on the newest generation, and searching must go on working afterwards."""
    root, index, starter_versions = seeded
    other = KnowledgeIndex(root)  # another process's
    other.write("en", upserts=[make_doc(900, "Samovar", "Samovar.")])  # `index` is one generation behind
    fired = commit_while_opening(".seg", lambda: other.rebuild("en", [make_doc(901, "Kettle", "Samovar kettle.")]))
    assert [hit.article_id for hit in search(index, "samovar", language="en").hits] == [901]
    assert fired
    other.write("en", upserts=[make_doc(902, "Urn", "Samovar urn.")])
    assert index.versions("en") == {901: 1, 902: 1}
    assert sorted(hit.article_id for hit in search(index, "samovar", language="en").hits) == [901, 902]
