"""Jobs run by the job tests: each records that it ran, and needs an app context to do so."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app


def record(path: str | None = None, label: str = "ran") -> str:
    """Append "label thread-name" to path (default: jobs.log in the current app's data dir)."""
    target = Path(path) if path else Path(current_app.config["HELPDESK_DATA_DIR"]) / "jobs.log"
    with target.open("a") as out:
        out.write(f"{label} {threading.current_thread().name}\n")
    return label


def fail() -> None:
    """A job that always fails."""
    raise RuntimeError("this job always fails")


def lines(path: Path) -> list[str]:
    """The records written so far (none when the file does not exist yet)."""
    return path.read_text().splitlines() if path.exists() else []
