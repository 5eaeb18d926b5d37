"""Reads of the instrument ledger the API and the pages share."""

from .models import CalibrationRecord, HolderChange, Instrument, ToolRequirement


def instruments_visible_to(user):
    """The ledger as ``user`` may read it (technicians: what they hold), with what a row
    shows joined (a constant number of queries per page)."""
    return (
        Instrument.objects.visible_to(user)
        .select_related("kind", "holder", "location")
        .order_by("number")
    )


def calibrations_visible_to(user):
    return (
        CalibrationRecord.objects.filter(
            instrument__in=Instrument.objects.visible_to(user).values("pk")
        )
        .select_related("instrument", "recorded_by")
        .order_by("-calibrated_on", "-id")
    )


def instrument_history(instrument):
    """The instrument's calibrations and holder changes, newest first (two queries)."""
    calibrations = list(instrument.calibrations.select_related("recorded_by"))
    changes = list(
        HolderChange.objects.filter(instrument=instrument).select_related(
            "technician", "location", "actor"
        )
    )
    return calibrations, changes


def requirements_by_category():
    """{category: [kinds]} for every category with requirements (one query)."""
    table = {}
    for row in ToolRequirement.objects.select_related("category", "kind").order_by(
        "category__code", "kind__code"
    ):
        table.setdefault(row.category, []).append(row.kind)
    return table
