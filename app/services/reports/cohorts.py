"""Reports › Lifecycle › Cohorts: customers grouped by the month of their first order, and for
each later month the share who ordered in it, the share who had ordered a second time by then,
and the share churned now. Read from the monthly figures of services.figures_lifecycle."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import DailyFigure
from app.services.reports.families import month_start, months_between, next_month
from app.services.reports.figures_lifecycle import month_key

MONTHS_FOLLOWED = 12


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Cohort:
    """The customers whose first order was in `month`. `active[k]` ordered in the k-th month after
    it and `repeat[k]` had ordered a second time by the end of it (k = 0 is the first month
    itself); both stop at the current month. `churned` are churned now."""

    month: date
    customers: int
    active: list[int]
    repeat: list[int]
    churned: int

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")

    def active_percent(self, k: int) -> float | None:
        return _share(self.active[k], self.customers) if k < len(self.active) else None

    def repeat_percent(self, k: int) -> float | None:
        return _share(self.repeat[k], self.customers) if k < len(self.repeat) else None

    @property
    def churned_percent(self) -> float | None:
        return _share(self.churned, self.customers)


def cohort_report(first: date, last: date, *, today: date) -> list[Cohort]:
    """The cohorts whose first-order month overlaps first..last, each followed for up to
    MONTHS_FOLLOWED months (and no further than `today`'s month)."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    keys = {month_key(m): m for m in months}
    active: dict[str, dict[int, int]] = defaultdict(dict)
    repeat: dict[str, dict[int, int]] = defaultdict(dict)
    churned: dict[date, int] = {}
    rows = db.session.execute(select(DailyFigure.metric, DailyFigure.day, DailyFigure.key, DailyFigure.count)
                              .where(DailyFigure.metric.in_(("cohort_active", "cohort_repeat", "cohort_churned")),
                                     DailyFigure.day >= months[0]))
    for metric, day, key, n in rows:
        if metric == "cohort_churned":
            churned[day] = n
        elif key in keys:
            (active if metric == "cohort_active" else repeat)[key][months_between(keys[key], day)] = n
    cohorts = []
    for key, month in keys.items():
        followed = min(MONTHS_FOLLOWED, months_between(month, today)) + 1
        running, cumulative = 0, []
        for k in range(followed):
            running += repeat[key].get(k, 0)
            cumulative.append(running)
        cohorts.append(Cohort(month, active[key].get(0, 0), [active[key].get(k, 0) for k in range(followed)],
                              cumulative, churned.get(month, 0)))
    return cohorts
