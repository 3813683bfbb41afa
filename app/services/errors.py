"""Domain errors raised by services; views map them to 4xx, socket handlers to an error event."""


class DomainError(Exception):
    """Base class: `code` is machine-readable, the message is shown to the user."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(DomainError):
    code = "not_found"
    status = 404


class ConflictError(DomainError):
    code = "conflict"
    status = 409


class StaleEditError(ConflictError):
    """An edit made on an older version of something that has changed since."""

    code = "stale"


class PermissionDeniedError(DomainError):
    code = "forbidden"
    status = 403


class InvalidCredentialsError(DomainError):
    code = "invalid_credentials"
    status = 401


class UnauthorizedError(DomainError):
    """Missing, forged or expired credentials (a visitor token)."""

    code = "unauthorized"
    status = 401


class TooLongError(DomainError):
    code = "too_long"
    status = 413


class RateLimitedError(DomainError):
    """Too many commands from one visitor in a while; `retry_after` says in how many seconds."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
