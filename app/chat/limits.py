"""Per-visitor limits on the widget's commands: in Flask-Limiter's storage when that is Redis (every
process counts the same visitor alike), in fixed windows of this process's memory otherwise."""

from __future__ import annotations

import functools
import logging
import threading
import time

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage

from app.extensions import limiter
from app.services.errors import RateLimitedError

log = logging.getLogger(__name__)

SETTINGS = {"messages": "HELPDESK_LIMIT_CHAT_MESSAGES", "starts": "HELPDESK_LIMIT_CHAT_STARTS",
            "starts_ip": "HELPDESK_LIMIT_CHAT_STARTS_IP", "signals": "HELPDESK_LIMIT_CHAT_SIGNALS"}
WORDS = {"messages": "messages", "starts": "new conversations", "starts_ip": "new conversations",
         "signals": "typing and read signals"}


@functools.lru_cache(maxsize=16)
def _item(text: str):
    return parse(text)


class LocalWindows:
    """Fixed windows counted in this process, for when there is no shared storage (one process).

    Not limits' MemoryStorage: each hit there schedules a timer that, 10 ms later, walks every key
    it holds; at chat rates with a thousand visitors that was a few per cent of the server's CPU
    (bench/chat.py). Here a hit is a dict lookup, and old windows are dropped in bulk now and then.
    """

    PRUNE_AT = 50_000

    def __init__(self) -> None:
        self.counts: dict[tuple, tuple[float, int]] = {}
        self.lock = threading.Lock()

    def hit(self, key: tuple, amount: int, seconds: int) -> float | None:
        """Count a hit; None when within the limit, else the seconds until the window ends."""
        now = time.time()
        start = now - now % seconds
        with self.lock:
            window, count = self.counts.get(key, (start, 0))
            if window != start:
                window, count = start, 0
            if count >= amount:
                return start + seconds - now
            self.counts[key] = (window, count + 1)
            if len(self.counts) > self.PRUNE_AT:
                self.counts = {k: v for k, v in self.counts.items() if v[0] + seconds > now}
        return None


def check(kind: str, identifier: str) -> None:
    """Count one `kind` command for `identifier`; RateLimitedError (with retry_after) over the limit.
    A storage failure lets the command through: losing a chat message is worse than a flood."""
    if not (limiter.enabled and limiter.initialized):
        return
    item = _item(current_app.config[SETTINGS[kind]])
    if isinstance(limiter.storage, MemoryStorage):
        # Kept in app.extensions, where Flask keeps extensions' per-app state: one per app.
        windows = current_app.extensions.setdefault("helpdesk_chat_limits", LocalWindows())
        wait = windows.hit((kind, identifier), item.amount, item.get_expiry())
    else:
        wait = _shared_hit(item, kind, identifier)
    if wait is not None:
        retry_after = max(1, int(wait) + 1)
        raise RateLimitedError(f"Too many {WORDS[kind]}: try again in {retry_after} s.", retry_after=retry_after)


def _shared_hit(item, kind: str, identifier: str) -> float | None:
    strategy = limiter.limiter
    try:
        if strategy.hit(item, "chat", kind, identifier):
            return None
        return strategy.get_window_stats(item, "chat", kind, identifier).reset_time - time.time()
    except Exception:  # Redis down: fail open, and say so in the log
        log.exception("chat rate limit storage failed", extra={"kind": kind})
        return None
