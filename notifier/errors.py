"""The one exception tree of the service.

Every error a caller can see is a `NotifierError`; `notifier.api.problems` turns each into
`application/problem+json` (RFC 9457) in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

PROBLEM_BASE = "https://notifier.dev/problems/"


@dataclass(frozen=True)
class FieldError:
    """One invalid field, named by its dotted path in the request."""

    field: str
    message: str


class NotifierError(Exception):
    """Base of every error the service raises on purpose."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(self, detail: str = "", errors: list[FieldError] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []

    @property
    def type(self) -> str:
        """The problem type URI."""
        return PROBLEM_BASE + self.slug


class ConfigError(NotifierError):
    """A setting is missing or wrong; start-up stops."""

    slug = "configuration"
    title = "Configuration error"


class MalformedRequestError(NotifierError):
    """The body is not JSON at all."""

    status = 400
    slug = "malformed-request"
    title = "Malformed request"


class ValidationFailedError(NotifierError):
    """The body is JSON but does not follow the contract."""

    status = 422
    slug = "validation"
    title = "Validation failed"


class UnauthenticatedError(NotifierError):
    """No API key, or an unknown or revoked one."""

    status = 401
    slug = "unauthenticated"
    title = "Unauthenticated"


class ForbiddenError(NotifierError):
    """The key lacks the scope, or a webhook signature is wrong."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFoundError(NotifierError):
    """The resource does not exist."""

    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowedError(NotifierError):
    """The path exists but not with this method."""

    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class UnsupportedMediaTypeError(NotifierError):
    """The body is not of a type this route reads."""

    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class ConflictError(NotifierError):
    """The request contradicts what was already recorded."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class ServiceUnavailableError(NotifierError):
    """A dependency (database, Redis) does not answer."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"


class ProviderError(NotifierError):
    """The SMS provider refused or failed a send."""

    slug = "provider"
    title = "SMS provider error"

    def __init__(
        self, detail: str, *, code: int | None = None, transient: bool, ambiguous: bool = False
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.transient = transient
        # The request may have reached the provider (a read timeout): look before resending.
        self.ambiguous = ambiguous


def invalid(field: str, message: str) -> ValidationFailedError:
    """A 422 about one field."""
    return ValidationFailedError(f"{field}: {message}", [FieldError(field, message)])
