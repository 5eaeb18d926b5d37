"""The shared domain error: every rule violation raised by a service is one of these."""


class ApplicationError(Exception):
    """A request that is well-formed but that the current state forbids.

    ``code`` is stable and machine-readable (``invalid_transition``, ``stale_version``,
    ``insufficient_stock``, ``not_qualified``, ...); ``extra`` is merged into the API body.
    ``status`` lets a few errors (``forbidden`` → 403) map to another HTTP status.
    """

    code = "conflict"
    status = 409

    def __init__(self, message, *, code=None, extra=None, status=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}


class InvalidTransition(ApplicationError):
    code = "invalid_transition"


class StaleVersion(ApplicationError):
    code = "stale_version"


class NotQualified(ApplicationError):
    code = "not_qualified"


class InsufficientStock(ApplicationError):
    code = "insufficient_stock"


class ActionForbidden(ApplicationError):
    """The actor's role may not perform the action (HTTP 403)."""

    code = "forbidden"
    status = 403
