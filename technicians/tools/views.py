"""The pages of the instrument ledger: the ledger (filters, paged), an instrument with its
history and the forms to record a calibration, issue, return or change its status, the
calibration certificate (ledger readers only), the tools each product category requires,
and the technician's "my tools" on the phone.

Every write goes through ``technicians.tools.services``; the filters are the API's
(``InstrumentFilterSet``)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound

from aftersales.api.files import file_response
from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from tickets.models import ProductCategory

from . import services
from .choices import LEDGER_EDITORS, LEDGER_READERS
from .filtersets import InstrumentFilterSet
from .forms import (
    CalibrationForm,
    InstrumentForm,
    IssueForm,
    RequirementsForm,
    ReturnForm,
    StatusForm,
)
from .models import CalibrationRecord, Instrument
from .selectors import instrument_history, instruments_visible_to, requirements_by_category

PER_PAGE = 50


def _roles(*roles):
    """Signed in and holding one of ``roles`` (403 otherwise), like the other pages."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _errors_into(form, exc):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@_roles(*LEDGER_READERS)
def tool_ledger_page(request):
    """The ledger: status, holder, kind, due within N days; 50 a page, constant queries."""
    filters = InstrumentFilterSet(
        request.GET or None, queryset=instruments_visible_to(request.user)
    )
    status = 200
    if filters.is_bound and not filters.is_valid():
        status = 400
        rows = Instrument.objects.none()
    else:
        rows = filters.qs
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter_form": filters.form,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "may_edit": has_role(request.user, *LEDGER_EDITORS),
    }
    return render(request, "tools/ledger.html", context, status=status)


@_roles(*LEDGER_EDITORS)
def instrument_new_page(request):
    form = InstrumentForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                instrument = services.instrument_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(
                    request, _("Instrument %(number)s added.") % {"number": instrument.number}
                )
                return redirect("instrument-page", pk=instrument.pk)
        return render(request, "tools/instrument_new.html", {"form": form}, status=400)
    return render(request, "tools/instrument_new.html", {"form": form})


FORMS = {
    "calibrate": CalibrationForm,
    "issue": IssueForm,
    "return": ReturnForm,
    "status": StatusForm,
}


def _call(action, instrument, user, data):
    if action == "calibrate":
        return services.calibration_record(instrument=instrument, actor=user, **data)
    if action == "issue":
        return services.instrument_issue(instrument=instrument, actor=user, **data)
    if action == "return":
        return services.instrument_return(instrument=instrument, actor=user, **data)
    return services.instrument_status_set(instrument=instrument, actor=user, **data)


DONE = {
    "calibrate": gettext_lazy("Calibration recorded."),
    "issue": gettext_lazy("Instrument issued."),
    "return": gettext_lazy("Instrument returned."),
    "status": gettext_lazy("Status changed."),
}


@_roles(*LEDGER_READERS)
def instrument_page(request, pk):
    """One instrument: its facts, calibrations and holder changes; supervisors record a
    calibration, issue, return or change its status (a POST with ``action``)."""
    instrument = get_object_or_404(instruments_visible_to(request.user), pk=pk)
    may_edit = has_role(request.user, *LEDGER_EDITORS)
    bound = {}
    status = 200
    error = ""
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        action = request.POST.get("action")
        if action not in FORMS:
            raise Http404
        form = FORMS[action](request.POST, request.FILES, prefix=action)
        bound[action] = form
        if form.is_valid():
            try:
                _call(action, instrument, request.user, form.cleaned_data)
            except ValidationError as exc:
                _errors_into(form, exc)
            except ApplicationError as exc:
                error = exc.message
            else:
                messages.success(request, DONE[action])
                return redirect("instrument-page", pk=instrument.pk)
        status = 400
    forms = {name: bound.get(name) or cls(prefix=name) for name, cls in FORMS.items()}
    if "status" not in bound:
        forms["status"] = StatusForm(prefix="status", initial={"status": instrument.status})
    calibrations, changes = instrument_history(instrument)
    context = {
        "instrument": instrument,
        "calibrations": calibrations,
        "changes": changes,
        "forms": forms,
        "may_edit": may_edit,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "tools/instrument.html", context, status=status)


@_roles(*LEDGER_READERS)
def calibration_certificate(request, pk):
    """The certificate file, for ledger readers (never under MEDIA_URL)."""
    record = get_object_or_404(CalibrationRecord, pk=pk)
    try:
        return file_response(record.certificate)
    except NotFound as exc:
        raise Http404 from exc


@_roles(*LEDGER_READERS)
def tool_requirements_page(request):
    """The instrument kinds each product category requires at a check-in; supervisors
    change a category's (a POST with ``category`` and the ticked kinds)."""
    may_edit = has_role(request.user, *LEDGER_EDITORS)
    status = 200
    failed = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        category = get_object_or_404(ProductCategory, pk=request.POST.get("category") or 0)
        form = RequirementsForm(request.POST, prefix=f"c{category.pk}")
        if form.is_valid():
            services.tool_requirements_set(
                actor=request.user, category=category, kinds=list(form.cleaned_data["kinds"])
            )
            messages.success(
                request, _("Tools required for %(category)s saved.") % {"category": category.name}
            )
            return redirect("tool-requirements-page")
        failed, status = (category.pk, form), 400
    table = requirements_by_category()
    rows = []
    for category in ProductCategory.objects.order_by("code"):
        kinds = table.get(category, [])
        if failed and failed[0] == category.pk:
            form = failed[1]
        else:
            form = RequirementsForm(prefix=f"c{category.pk}", initial={"kinds": kinds})
        rows.append({"category": category, "kinds": kinds, "form": form})
    context = {"rows": rows, "may_edit": may_edit}
    return render(request, "tools/requirements.html", context, status=status)


@_roles(Role.TECHNICIAN)
def my_tools_page(request):
    """The technician's instruments with their calibration state (phone first)."""
    technician = getattr(request.user, "technician", None)
    rows = (
        instruments_visible_to(request.user).filter(holder=technician)
        if technician is not None
        else Instrument.objects.none()
    )
    return render(
        request, "tools/my_tools.html", {"instruments": list(rows), "today": timezone.localdate()}
    )
