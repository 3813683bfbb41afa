"""What every family of the reports' daily figures shares: the row it yields, the UTC day of a
timestamp in SQL, and the duration buckets (services.reports.daily_figures rebuilds, the *_report
services read)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func

from app.extensions import db

# Durations are kept as counts per bucket (minutes, lower edge): one minute wide below an hour,
# 5 minutes below 4 hours, 30 minutes below 2 days, then whole days. A median or p90 over any
# range is read from the merged buckets, to that resolution.
_EDGES = [*range(0, 60), *range(60, 240, 5), *range(240, 2880, 30)]


def bucket(minutes: float) -> int:
    """The lower edge (minutes) of the bucket a duration falls in."""
    if minutes < 0:
        return 0
    if minutes >= 2880:
        return int(minutes // 1440) * 1440
    return _EDGES[bisect_right(_EDGES, minutes) - 1]


def bucket_width(edge: int) -> int:
    return 1 if edge < 60 else 5 if edge < 240 else 30 if edge < 2880 else 1440


@dataclass(frozen=True)
class Row:
    """One figure: `count` things of `metric` on `day` for `key`, `total` their sum where meant."""

    day: date
    metric: str
    key: str
    count: int
    total: float = 0.0
    buckets: dict | None = None


@dataclass(frozen=True)
class Family:
    """Metrics computed together from one source for the UTC moments [since, until).

    `widen` turns the days asked for into the days the family must rebuild whole (the cohorts are
    kept per month, so a day asks for its month). `settle_days`: how long a day's figures may still
    change (a figure that looks ahead for an order), so the hourly job rebuilds at least that many.
    """

    metrics: tuple[str, ...]
    compute: Callable[[datetime, datetime], Iterable[Row]]
    widen: Callable[[date, date], tuple[date, date]] | None = None
    settle_days: int = 0


def day_of(column):
    """The UTC calendar day of a timestamp column, in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def months_between(first: date, later: date) -> int:
    """Whole calendar months from first's month to later's month."""
    return (later.year - first.year) * 12 + later.month - first.month


def bucket_size(first: date, last: date) -> str:
    """How a period's days are grouped on a chart: by day up to a month, by week up to half a year,
    then by month."""
    days = (last - first).days + 1
    return "day" if days <= 31 else "week" if days <= 183 else "month"


def bucket_of(day: date, size: str) -> date:
    """The first day of the day's bucket: itself, its week's Monday, or its month's first day."""
    if size == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if size == "month" else day


def bucket_label(start: date, size: str) -> str:
    if size == "month":
        return start.strftime("%b %Y")
    return ("Week of " if size == "week" else "") + start.strftime("%d %b")


def bucketed(days: list[date], values: list[int], size: str) -> tuple[list[str], list[int]]:
    """Per-day values summed into the period's buckets: (labels, sums), in time order."""
    sums: dict[date, int] = {}
    for day, value in zip(days, values, strict=True):
        start = bucket_of(day, size)
        sums[start] = sums.get(start, 0) + value
    return [bucket_label(start, size) for start in sums], list(sums.values())
