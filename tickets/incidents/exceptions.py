"""Coded errors of the service incidents (409 through the API's handler)."""

from aftersales.exceptions import ApplicationError


class IncidentClosed(ApplicationError):
    code = "incident_closed"


class NoticeAlreadySent(ApplicationError):
    code = "notice_already_sent"
