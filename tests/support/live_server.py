"""Runs the real server (gunicorn, as `make run` does) on a free loopback port, for tests that
need the HTTP and WebSocket layers: origin checks, Socket.IO across processes, the browser."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(data_dir: Path, database_url: str, **extra: str) -> dict:
    """The environment for a server process or a CLI call against the same database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELPDESK_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        {
            "FLASK_APP": "wsgi",
            "HELPDESK_ENV": "development",
            "HELPDESK_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "live-server-test-secret",
            "HELPDESK_LOG_FORMAT": "text",
            "HELPDESK_ARGON2_TIME_COST": "1",
            "HELPDESK_ARGON2_MEMORY_KIB": "64",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def flask_cli(env: dict, *args: str) -> str:
    """Run `flask <args>` as the operator would; returns stdout, raises on failure."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class LiveServer:
    """One gunicorn process serving the app. Use as a context manager."""

    env: dict
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> LiveServer:
        env = dict(self.env, PORT=str(self.port), HOST="127.0.0.1")
        if self.log_path:
            # The child keeps its own copy of the descriptor; ours is closed at once.
            with open(self.log_path, "ab") as log:
                self.process = self._spawn(env, log)
        else:
            self.process = self._spawn(env, subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or still starting up
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s; see {self.log_path}")

    @staticmethod
    def _spawn(env: dict, log) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def prepared_sqlite(tmp_dir: Path, **extra: str) -> dict:
    """A migrated, seeded SQLite database in tmp_dir, through the real CLI; returns its env.

    Seeding takes seconds, so tests that only need such a database copy the run's one template
    (`seeded_copy`); this is what builds it, and what a test of the CLI itself would call."""
    env = server_env(tmp_dir, f"sqlite:///{tmp_dir / 'helpdesk.db'}", **extra)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "helpdesk", "seed-demo")
    return env


def seeded_template(root: Path) -> Path:
    """The data directory (database and search index) that `make run` would seed, built once under
    root: test processes sharing root (pytest-xdist's workers) wait for the first to build it."""
    template = root / "seeded-template"
    with open(root / "seeded-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (template / "ready").exists():
            shutil.rmtree(template, ignore_errors=True)
            template.mkdir()
            prepared_sqlite(template)
            (template / "ready").touch()
    return template


def copy_sqlite(source_path: Path, target_path: Path) -> None:
    """Copy an SQLite database with SQLite's backup API rather than a file copy: it also carries
    pages still in a WAL file."""
    source, copy = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def seeded_copy(template: Path, data_dir: Path, **extra: str) -> dict:
    """A private copy of the seeded template in data_dir; returns its env, as prepared_sqlite does."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / "helpdesk.db"
    copy_sqlite(template / "helpdesk.db", target)
    for index in template.iterdir():
        if index.is_dir():
            shutil.copytree(index, data_dir / index.name, dirs_exist_ok=True)
    return server_env(data_dir, f"sqlite:///{target}", **extra)
