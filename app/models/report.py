"""Pre-aggregated daily figures for the console's reports: one row per UTC day, metric and key,
rebuilt per day from the source tables by services.reports.daily_figures, so that a report over months
reads a few thousand small rows instead of every ticket and event."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, BigInteger, Date, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DailyFigure(db.Model):
    """`count` things of `metric` on `day`, for `key` (a channel, a stage and rating; "" for the
    whole day), and `total` their sum where one is meant (minutes, money)."""

    __tablename__ = "daily_figures"

    # In this order: a report reads each metric's days as one range of the primary key.
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True, default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    total: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    # A duration's histogram for the day, {bucket's lower edge in minutes: count}: one row a day
    # instead of one per bucket, so a year's median reads 365 rows.
    buckets: Mapped[dict | None] = mapped_column(JSON)
