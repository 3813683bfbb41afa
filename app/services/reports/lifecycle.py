"""Reports › Lifecycle: customers per stage now (with their flags), the stage moves of a period,
customers per stage at its start, and the share of each stage's customers who moved on in it.

The moves come from the daily figures (services.figures_lifecycle); the counts at the start of a
period are the sum of every earlier day's moves into and out of each stage (every customer's first
stage is a move too, so the history adds up to the stages customers were in). The counts now are
one grouped read of the customers' stage index.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Integer, func, select

from app.extensions import db
from app.models import STAGES, Customer, DailyFigure
from app.services.reports.families import bucket_size, bucketed
from app.services.reports.figures_lifecycle import NEW

FLAG_COLUMNS = ("at_risk", "churned", "reactivated", "vip")


@dataclass(frozen=True)
class StageNow:
    """A stage's customers now, and how many of them carry each flag."""

    stage: str
    customers: int
    flags: dict[str, int]


@dataclass(frozen=True)
class Move:
    from_stage: str | None  # None: the customer's first stage
    to_stage: str
    count: int


@dataclass(frozen=True)
class Step:
    """Of the customers in `stage` at some point of the period (at its start, or entering it),
    `moved` moved on to a later stage in the period."""

    stage: str
    next_stage: str
    candidates: int
    moved: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.moved / self.candidates, 1) if self.candidates else None


@dataclass
class LifecycleReport:
    days: list[date]
    now: list[StageNow]
    at_start: dict[str, int]
    entered: dict[str, list[int]]  # stage → customers entering it per day
    moves: list[Move]
    steps: list[Step]
    bucket: str = "day"  # how the chart groups the days: day, week or month

    @property
    def entered_by_bucket(self) -> tuple[list[str], dict[str, list[int]]]:
        """The entries summed per bucket: (labels, stage → counts)."""
        labels: list[str] = []
        sums = {}
        for stage, values in self.entered.items():
            labels, sums[stage] = bucketed(self.days, values, self.bucket)
        return labels, sums

    @property
    def customers_now(self) -> int:
        return sum(s.customers for s in self.now)

    @property
    def total_moves(self) -> int:
        return sum(m.count for m in self.moves if m.from_stage is not None)


def stages_now() -> list[StageNow]:
    """Every stage's customers (erased ones aside) and their flags, read now."""
    flag_sums = [func.sum(getattr(Customer, f"is_{flag}").cast(Integer)) for flag in FLAG_COLUMNS]
    rows = db.session.execute(select(Customer.stage, func.count(), *flag_sums)
                              .where(Customer.erased_at.is_(None)).group_by(Customer.stage))
    found = {stage: (n, dict(zip(FLAG_COLUMNS, (int(v or 0) for v in sums), strict=True)))
             for stage, n, *sums in rows}
    return [StageNow(stage, *found.get(stage, (0, dict.fromkeys(FLAG_COLUMNS, 0)))) for stage in STAGES]


def _split(key: str) -> tuple[str | None, str]:
    from_stage, _, to_stage = key.partition(">")
    return (from_stage if from_stage != NEW else None), to_stage


def _counts_before(first: date) -> dict[str, int]:
    """Customers per stage at the start of `first`: every earlier move in, less every move out."""
    counts: dict[str, int] = dict.fromkeys(STAGES, 0)
    rows = db.session.execute(select(DailyFigure.key, func.sum(DailyFigure.count))
                              .where(DailyFigure.metric == "stage_moves", DailyFigure.day < first)
                              .group_by(DailyFigure.key))
    for key, n in rows:
        from_stage, to_stage = _split(key)
        counts[to_stage] = counts.get(to_stage, 0) + int(n)
        if from_stage is not None:
            counts[from_stage] = counts.get(from_stage, 0) - int(n)
    return counts


def lifecycle_report(first: date, last: date) -> LifecycleReport:
    """The lifecycle figures of the days first..last (both included)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    entered = {stage: [0] * len(days) for stage in STAGES}
    pairs: dict[tuple[str | None, str], int] = defaultdict(int)
    rows = db.session.execute(select(DailyFigure.day, DailyFigure.key, DailyFigure.count)
                              .where(DailyFigure.metric == "stage_moves", DailyFigure.day >= first,
                                     DailyFigure.day <= last))
    for day, key, n in rows:
        from_stage, to_stage = _split(key)
        if to_stage in entered:
            entered[to_stage][index[day]] += n
        pairs[(from_stage, to_stage)] += n
    at_start = _counts_before(first)
    moves = sorted((Move(f, t, n) for (f, t), n in pairs.items()),
                   key=lambda m: (-1 if m.from_stage is None else STAGES.index(m.from_stage), STAGES.index(m.to_stage)))
    steps = []
    for i, stage in enumerate(STAGES[:-1]):
        later = STAGES[i + 1:]
        moved = sum(n for (f, t), n in pairs.items() if f == stage and t in later)
        steps.append(Step(stage, STAGES[i + 1], at_start.get(stage, 0) + sum(entered[stage]), moved))
    return LifecycleReport(days=days, now=stages_now(), at_start=at_start, entered=entered, moves=moves, steps=steps,
                           bucket=bucket_size(first, last))
