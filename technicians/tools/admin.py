"""The instrument ledger in the admin: read-only (every write has its rules and its audit
event in the services; supervisors use the ledger pages)."""

from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin

from .models import CalibrationRecord, HolderChange, Instrument, InstrumentKind, ToolRequirement


@admin.register(InstrumentKind)
class InstrumentKindAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "calibration_interval_months"]
    search_fields = ["code", "name"]


@admin.register(Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "model", "holder", "location", "status", "calibration_due_on"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "model", "serial"]
    list_select_related = ["kind", "holder", "location"]


@admin.register(CalibrationRecord)
class CalibrationRecordAdmin(ReadOnlyAdmin):
    list_display = ["instrument", "calibrated_on", "laboratory", "result", "next_due_on"]
    list_filter = ["result"]
    search_fields = ["instrument__number", "laboratory", "certificate_number"]
    list_select_related = ["instrument__kind"]
    exclude = ["certificate"]  # served to staff by the ledger page, never as a media URL


@admin.register(HolderChange)
class HolderChangeAdmin(ReadOnlyAdmin):
    list_display = ["instrument", "kind", "technician", "location", "at"]
    list_filter = ["kind"]
    list_select_related = ["instrument__kind", "technician", "location"]


@admin.register(ToolRequirement)
class ToolRequirementAdmin(ReadOnlyAdmin):
    list_display = ["category", "kind"]
    list_select_related = ["category", "kind"]
