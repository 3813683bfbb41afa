"""Password hashing with argon2id (argon2-cffi) and the password policy."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    """A hash of a throwaway password with these parameters, made once per parameters (the cache
    is keyed by them, so a test or a config change gets its own), so that verifying an unknown
    account costs one argon2 verify, exactly as a known account with a wrong password does."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash("timing-equaliser")


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
    """True when the password matches. Called by sign-in and password change. With no stored hash
    (unknown email, invite not accepted) a cached dummy hash is verified instead: one argon2
    verify on both paths, so the time taken does not tell which accounts exist."""
    hasher = _hasher()
    target = stored_hash or _dummy_hash(hasher.time_cost, hasher.memory_cost)
    try:
        return hasher.verify(target, password[:MAX_LENGTH]) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
