"""Feedback settings (Settings › Feedback): how often NPS may ask a customer, and whether a
detractor's answer opens a follow-up ticket."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.extensions import db
from app.services.errors import DomainError
from app.services.platform import audit
from app.services.platform.audit import Actor
from app.services.platform.settings_store import get_setting, put_setting

KEY = "feedback"
MIN_PERIOD_DAYS, MAX_PERIOD_DAYS = 30, 365


@dataclass(frozen=True)
class FeedbackSettings:
    nps_period_days: int = 90  # a customer is asked at most once in this many days; 0 turns NPS off
    nps_detractor_ticket: bool = True  # an answer of 0 to 6 opens a follow-up ticket

    @property
    def nps_enabled(self) -> bool:
        return self.nps_period_days > 0


def current() -> FeedbackSettings:
    """The stored settings, defaults for what is missing."""
    stored = get_setting(KEY) or {}
    return FeedbackSettings(**{k: v for k, v in stored.items() if k in FeedbackSettings.__dataclass_fields__})


def check(settings: FeedbackSettings) -> FeedbackSettings:
    """The settings if they can be used; DomainError naming the field otherwise."""
    period = settings.nps_period_days
    if type(period) is not int or (period != 0 and not MIN_PERIOD_DAYS <= period <= MAX_PERIOD_DAYS):
        raise DomainError(f"The period must be 0 (NPS off) or from {MIN_PERIOD_DAYS} to {MAX_PERIOD_DAYS} days.",
                          field="nps_period_days")
    if not isinstance(settings.nps_detractor_ticket, bool):
        raise DomainError("Choose whether a detractor's answer opens a ticket.", field="nps_detractor_ticket")
    return settings


def save(settings: FeedbackSettings, *, by: Actor) -> FeedbackSettings:
    """Called by Settings › Feedback: validate, store and audit (one commit)."""
    check(settings)
    put_setting(KEY, asdict(settings))
    audit.record("feedback_settings.updated", actor=by, details=asdict(settings))
    db.session.commit()
    return settings
