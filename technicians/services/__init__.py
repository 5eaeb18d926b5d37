"""Every write of the technicians app, one function per business action.

The pure rules are ``technicians.eligibility``; the reads (eligibility facts, lists,
ranking) are ``technicians.selectors``.
"""

from .availability import (
    absence_cancel,
    absence_create,
    training_record_create,
    training_record_update,
)
from .certifications import (
    REMINDER_DAYS,
    certification_create,
    certification_errors,
    certification_expiry_sweep,
    certification_notify_expiry,
    certification_revoke,
    certification_type_create,
    certification_type_update,
    certification_update,
)
from .profiles import UPDATABLE_FIELDS, technician_create, technician_lock, technician_update

__all__ = [
    "REMINDER_DAYS",
    "UPDATABLE_FIELDS",
    "absence_cancel",
    "absence_create",
    "certification_create",
    "certification_errors",
    "certification_expiry_sweep",
    "certification_notify_expiry",
    "certification_revoke",
    "certification_type_create",
    "certification_type_update",
    "certification_update",
    "technician_create",
    "technician_lock",
    "technician_update",
    "training_record_create",
    "training_record_update",
]
