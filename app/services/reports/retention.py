"""Reports › Support and buying: whether shoppers who were in touch with support bought afterwards
more often than those who were not, whether buyers bought again after a contact, and what buyers
did after a good or a bad CSAT answer. Read from the daily figures of services.figures_feedback.

These are associations, not effects: shoppers who write in differ from those who do not (the
outreach report's holdout measures an effect). The unit is a shopper's day: a customer on the
site (a page view) or in touch with support (a chat they wrote in, or a ticket they opened) that
day; a customer on the site on three days counts three times.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import DailyFigure
from app.services.outreach.reports import Group, difference_interval
from app.services.reports.figures_feedback import AFTER_CSAT_WITHIN, AGAIN_WITHIN, BOUGHT_WITHIN


@dataclass(frozen=True)
class Share:
    """`part` of `whole`, as a percentage."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None


@dataclass(frozen=True)
class Comparison:
    """Two groups' shares, and the difference in points with its 95% interval (None when a group
    is empty)."""

    title: str
    first_label: str
    first: Share
    second_label: str
    second: Share

    @property
    def difference(self) -> float | None:
        if self.first.percent is None or self.second.percent is None:
            return None
        return round(self.first.percent - self.second.percent, 1)

    @property
    def interval(self) -> tuple[float, float] | None:
        found = difference_interval(Group(self.first.whole, self.first.part),
                                    Group(self.second.whole, self.second.part))
        return (round(100 * found[0], 1), round(100 * found[1], 1)) if found else None


@dataclass(frozen=True)
class RetentionReport:
    bought: Comparison  # shoppers' days: contacted or not → bought within 7 days
    again: Comparison  # buyers' days: contacted or not → bought again within 30 days
    after_csat_again: Comparison  # buyers' CSAT answers: good or bad → bought again within 60 days
    after_csat_churned: Comparison  # good or bad → churned now
    settle_days: int  # the last days still counting: their window has not passed


def _sums(metric: str, first: date, last: date) -> Counter:
    rows = db.session.execute(select(DailyFigure.key, func.sum(DailyFigure.count))
                              .where(DailyFigure.metric == metric, DailyFigure.day >= first, DailyFigure.day <= last)
                              .group_by(DailyFigure.key))
    return Counter({key: int(n) for key, n in rows})


def retention_report(first: date, last: date) -> RetentionReport:
    """The comparisons over the days first..last (both included)."""
    days = _sums("shopper_days", first, last)
    csat = _sums("csat_after", first, last)

    def days_share(group: str, part: str, whole: str) -> Share:
        return Share(days[f"{group}:{part}"], days[f"{group}:{whole}"])

    def csat_share(rating: str, part: str) -> Share:
        return Share(csat[f"{rating}:{part}"], csat[f"{rating}:buyers"])

    return RetentionReport(
        bought=Comparison(f"Bought within {BOUGHT_WITHIN.days} days",
                          "In touch with support", days_share("contacted", "bought", "days"),
                          "Not in touch", days_share("not_contacted", "bought", "days")),
        again=Comparison(f"Buyers who bought again within {AGAIN_WITHIN.days} days",
                         "In touch with support", days_share("contacted", "again", "buyer_days"),
                         "Not in touch", days_share("not_contacted", "again", "buyer_days")),
        after_csat_again=Comparison(f"Bought again within {AFTER_CSAT_WITHIN.days} days of the answer",
                                    "After a good rating", csat_share("good", "again"),
                                    "After a bad rating", csat_share("bad", "again")),
        after_csat_churned=Comparison("Churned since", "After a good rating", csat_share("good", "churned"),
                                      "After a bad rating", csat_share("bad", "churned")),
        settle_days=AFTER_CSAT_WITHIN.days)
