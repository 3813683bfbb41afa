"""What every store platform's API client shares: the error a shop owner can read, and a page of a
listing with the cursor (or page number) of the next one."""

from __future__ import annotations

from dataclasses import dataclass


class StoreApiError(Exception):
    """A store's API refused or failed a call. `message` is written for the shop owner; `status` is
    the HTTP status when there was one; `retryable` says whether the same call may succeed later."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items and where the next page starts (None after the last)."""

    items: list[dict]
    next: str | int | None
