"""Reports › Support: conversations and tickets per day, first-response and resolution times
(median and p90), SLA attainment, CSAT per day and by stage, agent and channel. Read from the
daily figures only (services.reports.daily_figures), so a year of a large shop costs a few thousand rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import STAGES, Agent, DailyFigure
from app.services.reports.families import bucket_width

SERIES = ("conversations", "tickets_created", "tickets_solved", "csat")  # read per day
TOTALS = ("sla", "csat_stage", "csat_agent", "csat_channel")  # over the period
DURATIONS = ("first_response", "resolution")  # a histogram a day
CHANNEL_LABELS = {"chat": "Chat", "proactive": "Chat (outreach)", "offline_message": "Left message",
                  "help_center": "Help center", "widget": "Widget", "email": "Email", "api": "API", "agent": "Agent"}


@dataclass(frozen=True)
class Rate:
    """good / bad answers, and the share that is good."""

    label: str
    good: int
    bad: int

    @property
    def answers(self) -> int:
        return self.good + self.bad

    @property
    def percent(self) -> float | None:
        return round(100 * self.good / self.answers, 1) if self.answers else None


@dataclass(frozen=True)
class Duration:
    """A duration's median and p90 in minutes (to its bucket's resolution), over `n` tickets."""

    n: int
    median: float | None
    p90: float | None


@dataclass
class SupportReport:
    days: list[date]
    conversations: list[int]
    tickets_created: list[int]
    tickets_solved: list[int]
    csat_good: list[int]
    csat_bad: list[int]
    csat: Rate
    first_response: Duration
    resolution: Duration
    sla: dict[str, Rate]  # target → met (good) / breached (bad)
    by_stage: list[Rate] = field(default_factory=list)
    by_agent: list[Rate] = field(default_factory=list)
    by_channel: list[Rate] = field(default_factory=list)

    @property
    def total_conversations(self) -> int:
        return sum(self.conversations)

    @property
    def total_tickets(self) -> int:
        return sum(self.tickets_created)


def percentile(buckets: dict[int, int], share: float) -> float | None:
    """The value below which `share` of the counts fall, interpolated inside its bucket."""
    n = sum(buckets.values())
    if not n:
        return None
    wanted, seen = share * n, 0
    for edge in sorted(buckets):
        count = buckets[edge]
        if seen + count >= wanted:
            inside = (wanted - seen) / count if count else 0
            return round(edge + inside * bucket_width(edge), 1)
        seen += count
    return float(max(buckets))


def _duration(buckets: dict[int, int]) -> Duration:
    return Duration(sum(buckets.values()), percentile(buckets, 0.5), percentile(buckets, 0.9))


def _rates(pairs: dict[str, dict[str, int]], labels: dict[str, str], order: list[str] | None = None) -> list[Rate]:
    keys = order if order is not None else sorted(pairs, key=lambda k: -sum(pairs[k].values()))
    return [Rate(labels.get(k, k), pairs[k].get("good", 0), pairs[k].get("bad", 0)) for k in keys if k in pairs]


def support_report(first: date, last: date) -> SupportReport:
    """The figures of the days first..last (both included)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    series = {m: [0] * len(days) for m in ("conversations", "tickets_created", "tickets_solved", "good", "bad")}
    durations = {"first_response": defaultdict(int), "resolution": defaultdict(int)}
    split: dict[str, dict[str, dict[str, int]]] = {m: defaultdict(lambda: defaultdict(int))
                                                   for m in ("sla", "csat_stage", "csat_agent", "csat_channel")}
    in_period = (DailyFigure.day >= first, DailyFigure.day <= last)
    # Per day: the volumes and CSAT's good and bad (a few rows a day). The database adds up.
    key = case((DailyFigure.metric == "csat", DailyFigure.key), else_="")
    per_day = db.session.execute(
        select(DailyFigure.day, DailyFigure.metric, key, func.sum(DailyFigure.count))
        .where(DailyFigure.metric.in_(SERIES), *in_period).group_by(DailyFigure.day, DailyFigure.metric, key))
    for day, metric, rating, count in per_day:
        series[rating or metric][index[day]] += int(count)
    # Over the whole period: duration buckets and the splits (by target, stage, agent, channel).
    totals = db.session.execute(
        select(DailyFigure.metric, DailyFigure.key, func.sum(DailyFigure.count))
        .where(DailyFigure.metric.in_(TOTALS), *in_period).group_by(DailyFigure.metric, DailyFigure.key))
    for metric, key_value, count in totals:
        group, _, outcome = key_value.rpartition(":")
        split[metric][group]["good" if outcome in ("good", "met") else "bad"] += int(count)
    # Durations: one histogram a day, merged here.
    for metric, histogram in db.session.execute(
            select(DailyFigure.metric, DailyFigure.buckets).where(DailyFigure.metric.in_(DURATIONS), *in_period)):
        merged = durations[metric]
        for edge, count in (histogram or {}).items():
            merged[int(edge)] += count
    agent_ids = [int(k) for k in split["csat_agent"] if k != "0"]
    names = {agent_id: name for agent_id, name in db.session.execute(
        select(Agent.id, Agent.display_name).where(Agent.id.in_(agent_ids)))} if agent_ids else {}
    agent_labels = {str(i): name for i, name in names.items()} | {"0": "Nobody assigned"}
    return SupportReport(
        days=days, conversations=series["conversations"], tickets_created=series["tickets_created"],
        tickets_solved=series["tickets_solved"], csat_good=series["good"], csat_bad=series["bad"],
        csat=Rate("All", sum(series["good"]), sum(series["bad"])),
        first_response=_duration(durations["first_response"]), resolution=_duration(durations["resolution"]),
        sla={r.label: r for r in _rates(split["sla"], {}, ["first_response", "resolution"])},
        by_stage=_rates(split["csat_stage"], {s: s.capitalize() for s in STAGES}, list(STAGES)),
        by_agent=_rates(split["csat_agent"], agent_labels),
        by_channel=_rates(split["csat_channel"], CHANNEL_LABELS))
