"""D1: concurrent read-then-write transactions on one SQLite file never surface "database is locked"."""

import subprocess
import sys
import threading
from pathlib import Path

from app import create_app
from app.extensions import db
from app.models import ApiKey
from app.services.access import api_keys
from app.services.platform.audit import CLI
from config import TestConfig

ROOT = Path(__file__).resolve().parents[2]
WRITES = 20

WORKER = """
import sys
from app import create_app
from app.extensions import db
from app.services.access import api_keys
from app.services.platform.audit import CLI
from config import TestConfig
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1])
with app.app_context():
    for i in range({writes}):
        # read, then write, in one transaction: the pattern a DEFERRED transaction cannot upgrade
        api_keys.list_api_keys()
        api_keys.create_api_key(f"proc-{{i}}", by=CLI)
print("ok")
"""


def _thread_writes(app, name, errors, acks):
    try:
        with app.app_context():
            for i in range(WRITES):
                api_keys.list_api_keys()
                api_keys.create_api_key(f"{name}-{i}", by=CLI)
                acks.append(1)
    except Exception as exc:  # recorded: the assertion below reports it
        errors.append(repr(exc))


def test_threads_and_a_second_process_write_without_lock_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'd1.db'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, HELPDESK_DATA_DIR=str(tmp_path))
    with app.app_context():
        db.create_all()
    other = subprocess.Popen(
        [sys.executable, "-c", WORKER.format(writes=WRITES), url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    errors, acks = [], []
    threads = [threading.Thread(target=_thread_writes, args=(app, f"t{n}", errors, acks)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    out, err = other.communicate(timeout=60)
    assert errors == []
    assert other.returncode == 0 and out.strip() == "ok", err[-2000:]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ApiKey.id))) == len(acks) + WRITES == 9 * WRITES
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()
