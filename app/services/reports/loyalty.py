"""Reports › Loyalty: NPS over time (promoters 9-10 less detractors 0-6, as a share of answers),
the groups by the stage customers were in when they answered, the spread of scores, referrals,
and the latest comments. Read from the daily figures, except the comments (the newest few)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import STAGES, Customer, DailyFigure, Survey
from app.services.customers.lifecycle_rules import nps_group
from app.services.reports.families import bucket_label, bucket_of, bucket_size, bucketed, midnight
from app.services.reports.figures_feedback import shop_nps_answers

GROUPS = ("promoter", "passive", "detractor")
LATEST_COMMENTS = 8


@dataclass(frozen=True)
class Nps:
    """Answers split into the three groups; the score is %promoters − %detractors (−100 to 100)."""

    label: str
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        return round(100 * (self.promoters - self.detractors) / self.answers) if self.answers else None


def _nps(label: str, groups: Counter) -> Nps:
    return Nps(label, groups["promoter"], groups["passive"], groups["detractor"])


@dataclass(frozen=True)
class Comment:
    customer_id: int
    customer: str
    score: int
    group: str
    comment: str
    answered_at: datetime


@dataclass
class LoyaltyReport:
    overall: Nps
    over_time: list[Nps]  # one per bucket (day, week or month)
    bucket: str  # "day", "week" or "month"
    by_stage: list[Nps]
    scores: list[int]  # answers per score, 0 to 10
    referral_labels: list[str]  # per bucket, as the NPS
    referrals: list[int]
    comments: list[Comment]

    @property
    def total_referrals(self) -> int:
        return sum(self.referrals)


def _latest_comments(first: date, last: date) -> list[Comment]:
    """The newest comments: the helpdesk's surveys' and those the shop sent with its NPS events."""
    since, until = midnight(first), midnight(last) + timedelta(days=1)
    rows = db.session.execute(
        select(Survey.customer_id, Survey.score, Survey.comment, Survey.answered_at)
        .where(Survey.kind == "nps", Survey.answered_at >= since, Survey.answered_at < until,
               Survey.comment.is_not(None))
        .order_by(Survey.answered_at.desc()).limit(LATEST_COMMENTS)).all()
    rows += [(a.customer_id, a.score, a.comment, a.at)
             for a in shop_nps_answers(since, until, with_comment=True, limit=LATEST_COMMENTS)]
    rows = sorted(rows, key=lambda row: row[3], reverse=True)[:LATEST_COMMENTS]
    names = {c.id: c.display_name for c in db.session.scalars(
        select(Customer).where(Customer.id.in_({row[0] for row in rows})))} if rows else {}
    return [Comment(cid, names.get(cid, "Customer"), score, nps_group(score), comment, at)
            for cid, score, comment, at in rows]


def loyalty_report(first: date, last: date) -> LoyaltyReport:
    """The loyalty figures of the days first..last (both included)."""
    size = bucket_size(first, last)
    buckets: dict[date, Counter] = {}
    day = first
    while day <= last:
        buckets.setdefault(bucket_of(day, size), Counter())
        day += timedelta(days=1)
    stages: dict[str, Counter] = defaultdict(Counter)
    scores = [0] * 11
    referrals: dict[date, int] = {}
    rows = db.session.execute(select(DailyFigure.metric, DailyFigure.day, DailyFigure.key, DailyFigure.count)
                              .where(DailyFigure.metric.in_(("nps", "referrals")), DailyFigure.day >= first,
                                     DailyFigure.day <= last))
    for metric, day_value, key, n in rows:
        if metric == "referrals":
            referrals[day_value] = n
            continue
        stage, _, score = key.rpartition(":")
        group = nps_group(int(score))
        buckets[bucket_of(day_value, size)][group] += n
        stages[stage][group] += n
        scores[int(score)] += n
    total = sum(buckets.values(), Counter())
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    referral_labels, referral_counts = bucketed(days, [referrals.get(d, 0) for d in days], size)
    return LoyaltyReport(
        overall=_nps("All", total), bucket=size,
        over_time=[_nps(bucket_label(start, size), groups) for start, groups in sorted(buckets.items())],
        by_stage=[_nps(stage.capitalize(), stages[stage]) for stage in STAGES if stage in stages],
        scores=scores, referral_labels=referral_labels, referrals=referral_counts,
        comments=_latest_comments(first, last))
