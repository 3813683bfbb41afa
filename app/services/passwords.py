"""Password hashing with argon2id (argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from app.services.errors import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 256


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["HELPDESK_ARGON2_TIME_COST"],
        memory_cost=config["HELPDESK_ARGON2_MEMORY_KIB"],
    )


def check_policy(password: str) -> None:
    """Raise DomainError when a new password is too short or too long."""
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Use at least {MIN_LENGTH} characters.", field="password")
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Use at most {MAX_LENGTH} characters.", field="password")


def hash_password(password: str) -> str:
    """Hash a password that passed the policy."""
    check_policy(password)
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches. With no stored hash a dummy hash is still verified,
    so that an unknown account takes as long to refuse as a wrong password."""
    hasher = _hasher()
    target = stored_hash or hasher.hash("timing-equaliser")
    try:
        return hasher.verify(target, password[:MAX_LENGTH]) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
