"""The one exception tree of the service.

    NotifierError                  every error the service raises on purpose
    ├── ConfigError                a setting is missing or wrong; start-up stops, naming it
    ├── ProviderError              the SMS provider refused or failed a send (retried or not)
    └── RequestError               a caller's request cannot be served; carries its HTTP answer
        ├── MalformedRequestError      400  the body is not JSON at all (nor UTF-8, nor I-JSON)
        ├── UnauthenticatedError       401  no API key, or an unknown or revoked one
        ├── ForbiddenError             403  the key lacks the scope, or a signature is wrong
        ├── NotFoundError              404  the resource does not exist
        ├── ConflictError              409  the request contradicts what was recorded
        ├── PayloadTooLargeError       413  the body is larger than the service reads
        ├── UnsupportedMediaTypeError  415  the body is not of the media type the route takes
        └── ValidationFailedError      422  the body does not follow the contract

Only `RequestError`s reach a caller: `notifier.api.problems` turns each into
`application/problem+json` (RFC 9457) in one place; anything else answers a plain 500.
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

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigError(NotifierError):
    """A setting is missing or wrong; start-up stops."""


class ProviderError(NotifierError):
    """The SMS provider refused or failed a send."""

    def __init__(
        self, detail: str, *, code: int | None = None, transient: bool, ambiguous: bool = False
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.transient = transient
        # The request may have reached the provider (a read timeout): look before resending.
        self.ambiguous = ambiguous


class RequestError(NotifierError):
    """A request that cannot be served, with the HTTP answer that says why."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str = "", errors: list[FieldError] | None = None) -> None:
        super().__init__(detail or self.title)
        self.errors = errors or []

    @property
    def type(self) -> str:
        """The problem type URI."""
        return PROBLEM_BASE + self.slug


class MalformedRequestError(RequestError):
    """The body is not JSON at all: not UTF-8, not well formed, NaN or Infinity, nested too deep."""

    status = 400
    slug = "malformed-request"
    title = "Malformed request"


class UnauthenticatedError(RequestError):
    """No API key, or an unknown or revoked one."""

    status = 401
    slug = "unauthenticated"
    title = "Unauthenticated"


class ForbiddenError(RequestError):
    """The key lacks the scope, or a webhook signature is wrong."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFoundError(RequestError):
    """The resource does not exist."""

    status = 404
    slug = "not-found"
    title = "Not found"


class ConflictError(RequestError):
    """The request contradicts what was already recorded."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class PayloadTooLargeError(RequestError):
    """The body is larger than the service reads, whether its length was announced or not."""

    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaTypeError(RequestError):
    """The body's Content-Type is not the one the route takes."""

    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class ValidationFailedError(RequestError):
    """The body is JSON but does not follow the contract."""

    status = 422
    slug = "validation"
    title = "Validation failed"


def invalid(field: str, message: str) -> ValidationFailedError:
    """A 422 about one field."""
    return ValidationFailedError(f"{field}: {message}", [FieldError(field, message)])
