"""Domain errors of the instrument ledger (stable codes for the API's 409 body)."""

from aftersales.exceptions import ApplicationError


class ToolCalibrationOverdue(ApplicationError):
    """A check-in refused: the technician holds no current instrument of a required kind."""

    code = "tool_calibration_overdue"


class InstrumentUnavailable(ApplicationError):
    """The instrument cannot be issued or returned in its state."""

    code = "instrument_unavailable"
