"""Sign-in does the same argon2 work whether the email is known or not, so its timing cannot
enumerate accounts. Counted, not timed: a spy on argon2's PasswordHasher.hash and .verify."""

from __future__ import annotations

from collections import Counter

import pytest
from argon2 import PasswordHasher

from app.services.access import agents, auth, passwords
from app.services.errors import InvalidCredentialsError
from app.services.platform.audit import CLI


@pytest.fixture
def argon2_calls(monkeypatch) -> Counter:
    """Counts of PasswordHasher.hash and .verify calls while the test runs."""
    calls: Counter = Counter()
    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, spy)
    return calls


def failed_sign_ins(email: str, times: int = 3) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentialsError):
            auth.sign_in(email, "not-the-password", ip_address="203.0.113.9", user_agent="probe")


def argon2_work(calls: Counter, email: str) -> Counter:
    calls.clear()
    failed_sign_ins(email)
    return Counter(calls)


def test_unknown_email_and_wrong_password_cost_the_same_argon2_operations(make_agent, argon2_calls):
    known = make_agent().email
    invited = agents.invite_agent("new@example.com", "New", "agent", by=CLI).agent.email  # no password yet
    failed_sign_ins("warm-up@example.com", times=1)  # the one-time dummy hash, if this process has none yet
    wrong_password = argon2_work(argon2_calls, known)
    unknown_email = argon2_work(argon2_calls, "nobody@example.com")
    no_password_yet = argon2_work(argon2_calls, invited)
    assert wrong_password == unknown_email == no_password_yet == Counter(verify=3)


def test_the_dummy_hash_is_made_once_per_hasher_parameters(app, argon2_calls):
    passwords._dummy_hash.cache_clear()
    for _ in range(3):
        assert passwords.verify_password(None, "whatever-password") is False
    assert argon2_calls == Counter(hash=1, verify=3)
    app.config["HELPDESK_ARGON2_TIME_COST"] = 2  # other parameters: their own dummy hash, once
    for _ in range(2):
        passwords.verify_password(None, "whatever-password")
    assert argon2_calls == Counter(hash=2, verify=5)
