"""SQLite under gevent (the server's mode): a transaction that yields to another greenlet (say, a
Redis publish) while a second greenlet wants to write. SQLite's busy handler would sleep inside C
and freeze the process, the first greenlet could never commit, and the second would fail with
"database is locked" after the busy timeout; the in-process writer lock (app/database.py) makes
the second wait cooperatively instead. Run in a subprocess, since gevent must patch first."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from app.database import BUSY_TIMEOUT_S
from tests.support.live_server import ROOT

SCRIPT = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import sys, time
    import gevent
    from sqlalchemy import create_engine, text
    sys.path.insert(0, {root!r})
    from app.database import configure_engine

    engine = create_engine("sqlite:///" + sys.argv[1])
    configure_engine(engine)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))

    def slow():
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('slow')"))
            gevent.sleep(0.3)  # yields inside the transaction, as network I/O would

    def quick():
        gevent.sleep(0.05)
        started = time.monotonic()
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (who) VALUES ('quick')"))
        print(round(time.monotonic() - started, 2))

    gevent.joinall([gevent.spawn(slow), gevent.spawn(quick)], raise_error=True)
    with engine.connect() as c:
        print(c.execute(text("SELECT who FROM t ORDER BY id")).scalars().all())
""")


def test_a_second_writer_waits_for_a_yielding_transaction_instead_of_freezing(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT)), str(tmp_path / "g.db")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    waited, rows = result.stdout.strip().splitlines()
    assert rows == "['slow', 'quick']"
    # It waited for the first to commit (about 0.25 s; longer on a loaded machine), not for the busy
    # timeout, which would have ended in "database is locked" and a failed script.
    assert 0.1 < float(waited) < BUSY_TIMEOUT_S
