"""Per-visitor limits on the widget's commands, in Flask-Limiter's storage (Redis when configured,
so every process counts the same visitor alike)."""

from __future__ import annotations

import functools
import logging
import time

from flask import current_app
from limits import parse

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


def check(kind: str, identifier: str) -> None:
    """Count one `kind` command for `identifier`; RateLimitedError (with retry_after) over the limit.
    A storage failure lets the command through: losing a chat message is worse than a flood."""
    if not (limiter.enabled and limiter.initialized):
        return
    item = _item(current_app.config[SETTINGS[kind]])
    strategy = limiter.limiter
    try:
        if strategy.hit(item, "chat", kind, identifier):
            return
        reset = strategy.get_window_stats(item, "chat", kind, identifier).reset_time
    except Exception:  # Redis down: fail open, and say so once per command
        log.exception("chat rate limit storage failed", extra={"kind": kind})
        return
    retry_after = max(1, int(reset - time.time()) + 1)
    raise RateLimitedError(f"Too many {WORDS[kind]}: try again in {retry_after} s.", retry_after=retry_after)
