"""The widget identity secret: user_hash checks (W7), first-use generation, env override, rotation."""

from __future__ import annotations

import ast
import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models import AppSetting, AuditEvent
from app.models.base import utcnow
from app.services.access import widget_identity
from app.services.errors import DomainError
from app.services.platform.audit import CLI
from app.services.shop_events import browser

ENV_SECRET = "an-operator-chosen-secret-of-forty-chars!"


def _flip(hex_digest: str, position: int = 10) -> str:
    """The same digest with one bit of one hex digit flipped."""
    flipped = format(int(hex_digest[position], 16) ^ 1, "x")
    return hex_digest[:position] + flipped + hex_digest[position + 1:]


def test_user_hash_is_hmac_sha256_of_the_customer_id_in_hex(app):
    secret = widget_identity.identity_secret().secret
    expected = hmac.new(secret.encode(), b"cust-42", hashlib.sha256).hexdigest()
    assert widget_identity.user_hash("cust-42") == expected


def test_a_valid_hash_verifies(app):
    assert widget_identity.verify("cust-42", widget_identity.user_hash("cust-42"))


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda h, other: _flip(h), id="bit-flip"),
    pytest.param(lambda h, other: _flip(h, 63), id="bit-flip-last-digit"),
    pytest.param(lambda h, other: "", id="empty"),
    pytest.param(lambda h, other: None, id="missing"),
    pytest.param(lambda h, other: other, id="another-users-hash"),
    pytest.param(lambda h, other: h.upper(), id="upper-case"),
    pytest.param(lambda h, other: h[:-1], id="too-short"),
    pytest.param(lambda h, other: h + "0", id="too-long"),
    pytest.param(lambda h, other: h + "\n", id="trailing-newline"),
    pytest.param(lambda h, other: "é" * 64, id="non-ascii"),
    pytest.param(lambda h, other: 12345, id="not-a-string"),
    pytest.param(lambda h, other: hashlib.sha256(b"cust-42").hexdigest(), id="plain-sha256-without-secret"),
])
def test_a_wrong_hash_does_not_verify(app, tamper):
    good = widget_identity.user_hash("cust-42")
    other = widget_identity.user_hash("cust-43")
    assert not widget_identity.verify("cust-42", tamper(good, other))


@pytest.mark.parametrize("customer_id", ["", None, 42, "cust-42 ", "CUST-42"])
def test_the_hash_is_bound_to_the_exact_customer_id(app, customer_id):
    assert not widget_identity.verify(customer_id, widget_identity.user_hash("cust-42"))


def test_nothing_verifies_before_a_secret_exists_and_verify_creates_none(app):
    assert not widget_identity.verify("cust-42", "0" * 64)
    assert db.session.get(AppSetting, widget_identity.SETTING_KEY) is None


def test_the_secret_is_generated_once_and_kept(app):
    first = widget_identity.identity_secret()
    db.session.expire_all()
    again = widget_identity.identity_secret()
    assert first.secret == again.secret and len(first.secret) == 64 and not first.from_env
    assert db.session.get(AppSetting, widget_identity.SETTING_KEY).value["secret"] == first.secret


def test_an_env_secret_wins_and_cannot_be_rotated_here(app):
    app.config["HELPDESK_IDENTITY_SECRET"] = ENV_SECRET
    status = widget_identity.identity_secret()
    assert status.from_env and status.secret == ENV_SECRET
    assert widget_identity.verify("cust-1", widget_identity.sign(ENV_SECRET, "cust-1"))
    assert db.session.get(AppSetting, widget_identity.SETTING_KEY) is None
    with pytest.raises(DomainError, match="HELPDESK_IDENTITY_SECRET"):
        widget_identity.rotate_secret(by=CLI)


def test_an_env_previous_secret_still_verifies(app):
    app.config["HELPDESK_IDENTITY_SECRET"] = ENV_SECRET
    app.config["HELPDESK_IDENTITY_SECRET_PREVIOUS"] = previous = "the-secret-before-" + "x" * 20
    assert widget_identity.verify("cust-1", widget_identity.sign(previous, "cust-1"))


def test_rotation_keeps_the_previous_secret_for_the_grace_window(app):
    old_hash = widget_identity.user_hash("cust-1")
    rotated = widget_identity.rotate_secret(by=CLI)
    new_hash = widget_identity.user_hash("cust-1")
    assert new_hash != old_hash and rotated.rotated_at is not None
    assert widget_identity.verify("cust-1", old_hash)
    assert widget_identity.verify("cust-1", new_hash)
    later = utcnow() + widget_identity.ROTATION_GRACE + timedelta(minutes=1)
    assert not widget_identity.verify("cust-1", old_hash, now=later)
    assert widget_identity.verify("cust-1", new_hash, now=later)


def test_a_second_rotation_ends_the_first_secret(app):
    first = widget_identity.user_hash("cust-1")
    widget_identity.rotate_secret(by=CLI)
    widget_identity.rotate_secret(by=CLI)
    assert not widget_identity.verify("cust-1", first)


def test_rotation_is_audited_without_the_secrets(app):
    before = widget_identity.identity_secret().secret
    after = widget_identity.rotate_secret(by=CLI).secret
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "widget.identity_secret_rotated"))
    assert event is not None and event.actor_type == "cli"
    assert before not in str(event.details) and after not in str(event.details)


@pytest.mark.parametrize("module", [widget_identity, browser])
def test_digests_are_never_compared_with_equals(module):
    """W7 lint: a hash compared with == leaks timing; hmac.compare_digest is the only comparison."""
    tree = ast.parse(Path(module.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not any("hash" in name or "digest" in name for name in names), ast.unparse(node)


def test_a_short_env_secret_is_refused_at_start(monkeypatch):
    from config import DevelopmentConfig

    monkeypatch.setenv("HELPDESK_IDENTITY_SECRET", "too-short")
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        DevelopmentConfig()
    monkeypatch.setenv("HELPDESK_IDENTITY_SECRET", ENV_SECRET)
    assert DevelopmentConfig().HELPDESK_IDENTITY_SECRET == ENV_SECRET


def test_rotating_before_any_secret_exists_just_makes_one(app):
    rotated = widget_identity.rotate_secret(by=CLI)
    assert rotated.previous_valid_until is None
    assert widget_identity.identity_secret().secret == rotated.secret
