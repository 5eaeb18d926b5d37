"""Coded errors of the service incidents (409 through the API's handler)."""

from aftersales.exceptions import ApplicationError


class IncidentClosed(ApplicationError):
    code = "incident_closed"


class NoticeAlreadySent(ApplicationError):
    code = "notice_already_sent"


class NoRule(ApplicationError):
    """Linking by rule asked of an incident that has no rule yet (its state, not the
    request, is wrong: 409)."""

    code = "no_rule"
