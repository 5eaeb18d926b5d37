"""The supervisors' import and export page (``/bulk/``): every export as a link, and the
import form — choose what, choose the file, "Check" (dry run) then "Import" (apply).

With htmx the form posts to ``/bulk/import/`` and only the report below it is swapped, so
the chosen file stays in the form: "Import" after "Check" sends the same file again.
Without JavaScript the same URL answers the whole page with the report. Exports are
streamed files (``/bulk/export/<kind>.<csv|xlsx>``); the ticket export takes the ticket
list's own query (saved view, filters, "only mine"), so its "Export this list" links
download exactly the tickets the list shows.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from aftersales.roles import EXPORT_ROLES, Role, has_role
from aftersales.uploads import BULK_IMPORT, size_label, upload_handlers_for_page

from ..views.common import role_required
from ..views.queue import queue_tickets
from . import exports, formats, imports

# Rows of errors the page lists (the API's report carries them all).
REPORT_SHOWN = 500
IMPORT_LABELS = {
    "customers": pgettext_lazy("import kind", "Customers"),
    "products": pgettext_lazy("import kind", "Products (registered units)"),
    "parts": pgettext_lazy("import kind", "Spare parts"),
}
EXPORT_NOTES = {
    "tickets": gettext_lazy("Every ticket; to export a selection, filter the ticket list."),
    "customers": gettext_lazy("Phones, e-mails and addresses masked for auditors."),
    "products": gettext_lazy("Registered units with their customer's id."),
    "parts": gettext_lazy("The parts catalogue."),
    "stock-levels": gettext_lazy("On hand, reserved and available per part and location."),
}


class BulkImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=())
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8 or GBK) or XLSX, with the column names in row 1."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, refused=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(IMPORT_LABELS.items())
        self.refused = refused

    def clean(self):
        if self.refused:
            self.add_error(
                "file",
                _("The file is larger than %(limit)s.")
                % {"limit": size_label(BULK_IMPORT.max_bytes)},
            )
        return super().clean()


def _import_kinds():
    return [
        {
            "slug": slug,
            "label": IMPORT_LABELS[slug],
            "required": kind.required,
            "optional": kind.optional,
        }
        for slug, kind in imports.KINDS.items()
    ]


def _export_kinds():
    return [
        {"slug": slug, "label": kind.title, "note": EXPORT_NOTES[slug]}
        for slug, kind in exports.KINDS.items()
    ]


def _summary(report):
    """The report's outcome in one sentence."""
    counts = {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "bad": report.error_rows,
    }
    if report.applied:
        return (
            _(
                "Imported %(rows)s rows: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged."
            )
            % counts
        )
    if report.mode == "apply":
        return (
            _(
                "Nothing was imported: %(bad)s of %(rows)s rows have errors. Correct them and "
                "import the file again."
            )
            % counts
        )
    if report.errors:
        return (
            _(
                "Checked %(rows)s rows; rows with errors: %(bad)s (below). The others would give "
                "%(created)s new, %(updated)s updated, %(unchanged)s unchanged. "
                "Nothing was written."
            )
            % counts
        )
    return (
        _(
            "Checked %(rows)s rows, no errors: importing would give %(created)s new, "
            "%(updated)s updated, %(unchanged)s unchanged. Nothing was written yet."
        )
        % counts
    )


def _context(request, *, form=None, report=None):
    can_import = has_role(request.user, *imports.IMPORT_ROLES)
    if can_import and form is None:
        form = BulkImportForm(auto_id="bulk_%s")
    return {
        "export_kinds": _export_kinds(),
        "import_kinds": _import_kinds() if can_import else [],
        "formats": formats.FORMATS,
        "form": form if can_import else None,
        "report": report,
        "summary": _summary(report) if report else "",
        "errors_shown": report.errors[:REPORT_SHOWN] if report else [],
        "errors_more": max(0, len(report.errors) - REPORT_SHOWN) if report else 0,
        "max_rows": f"{imports.settings.BULK_IMPORT_MAX_ROWS:,}",
        "max_size": size_label(BULK_IMPORT.max_bytes),
    }


@role_required(*EXPORT_ROLES)
def bulk_page(request):
    """Exports for supervisors and auditors, the import form for supervisors."""
    return render(request, "tickets/bulk/bulk.html", _context(request))


@csrf_exempt
@require_POST
def bulk_import_page(request):
    """Check or import a file. A file over ``BULK_IMPORT_MAX_BYTES`` is dropped while it
    streams and the form says so; CSRF is checked once the upload handlers are in place."""
    upload_handlers_for_page(request, kind=BULK_IMPORT)
    return _bulk_import(request)


@csrf_protect
@role_required(Role.SUPERVISOR)
def _bulk_import(request):
    form = BulkImportForm(
        request.POST,
        request.FILES,
        auto_id="bulk_%s",
        refused="file" in getattr(request, "uploads_refused", ()),
    )
    mode = request.POST.get("mode")
    mode = mode if mode in imports.MODES else "dry_run"
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = imports.bulk_import(
                actor=request.user,
                kind=imports.KINDS[form.cleaned_data["kind"]],
                file=upload,
                mode=mode,
                filename=upload.name,
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
    refused = report is None or (mode == "apply" and not report.applied)
    context = _context(request, form=form, report=report)
    template = "tickets/bulk/_report.html" if request.htmx else "tickets/bulk/bulk.html"
    return render(request, template, context, status=400 if refused else 200)


@role_required(*EXPORT_ROLES)
def bulk_export_file(request, kind, fmt):
    """One export as a file, with the list filters of the query string."""
    export = exports.KINDS.get(kind)
    if export is None or fmt not in formats.FORMATS:
        raise Http404
    user = request.user
    base = export.queryset(user)
    if export.slug == "tickets":
        _view, filterset, queryset, _mine = queue_tickets(
            user=user, query=request.GET, now=timezone.now(), tickets=base
        )
    else:
        filterset = export.filterset(request.GET, base)
        queryset = base if filterset is None or not filterset.is_valid() else filterset.qs
    if filterset is not None and not filterset.is_valid():
        problems = " ".join(" ".join(errors) for errors in filterset.errors.values())
        return HttpResponseBadRequest(
            _("Some filters are not valid: %(problems)s") % {"problems": problems},
            content_type="text/plain; charset=utf-8",
        )
    filters = {key: request.GET.getlist(key) for key in sorted(request.GET)}
    return exports.bulk_export(actor=user, kind=export, queryset=queryset, fmt=fmt, filters=filters)
