from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditSource(models.TextChoices):
    WEB = "web", _("Web pages")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    WORKER = "worker", _("Background worker")
    COMMAND = "command", _("Management command")
    SYSTEM = "system", _("System")


class QualityAuditStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("audit record", "Open")
    CLOSED = "closed", pgettext_lazy("audit record", "Closed")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class FindingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("audit record", "Open")
    CLOSED = "closed", pgettext_lazy("audit record", "Closed")


class CorrectiveActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("audit record", "Open")
    SUBMITTED = "submitted", _("Evidence submitted")
    VERIFIED = "verified", _("Verified effective")


class KpiGroupBy(models.TextChoices):
    TECHNICIAN = "technician", _("Technician")
    AREA = "area", _("Area")
    CATEGORY = "category", _("Category")


class KpiGrouping(models.TextChoices):
    """How a KPI report asked for now may be grouped: the stored groupings (``KpiGroupBy``,
    the kept weekly reports) and the technician's home outlet (网点). Kept apart so the
    stored reports' field and the weekly job stay as they were."""

    TECHNICIAN = "technician", _("Technician")
    AREA = "area", _("Area")
    CATEGORY = "category", _("Category")
    OUTLET = "outlet", _("Service outlet")


# The checklist of a sampled ticket (监督审核): each item is pre-filled from the record
# (True/False, or None when the data cannot tell) and confirmed by the auditor.
CHECKLIST_ITEMS = (
    "fault_code",
    "parts",
    "signature",
    "satisfaction",
    "sla_met",
    "charges_correct",
)


class SealFlag(models.TextChoices):
    """What the sealer found wrong with an event it sealed (empty: nothing).

    Stored in the event's ``seal_flag`` and covered by its chain hash, so the finding
    cannot be erased afterwards without breaking the chain.
    """

    ALTERED = "altered", _("altered before sealing (row MAC does not match)")
    UNSIGNED = "unsigned", _("written without a row MAC")


class CheckpointKind(models.TextChoices):
    SEAL = "seal", _("seal")
    REANCHOR = "reanchor", _("re-anchored by an operator")
