"""The depot's pages: the take-in (posted from the ticket page's card), the workshop list
by stage with the turnaround countdown, the repair page with the stage buttons (a phone
at 360×740 is enough), the return with the customer's signature, the photos and the
receipt's PDF. Every form goes through ``tickets.depot.services``; a refusal comes back
as a message on the page it was posted from."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.api.files import file_response
from aftersales.exceptions import ActionForbidden, ApplicationError
from aftersales.roles import Role, has_role
from tickets.models import Ticket

from . import receipts, selectors, services
from .choices import STAGE_TRANSITIONS, WORKSHOP_STAGES, DepotStage
from .forms import PhotoForm, ReturnForm, TakeInForm, add_service_errors
from .models import EquipmentReceipt, LoanUnit, ReceiptPhoto

BOARD_ROLES = (Role.WORKSHOP, Role.SUPERVISOR)


def _roles(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _message(request, exc):
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
    messages.error(request, text)


def _receipt(request, pk):
    return get_object_or_404(selectors.receipt_list(user=request.user), pk=pk)


def _version(request):
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@_roles(*BOARD_ROLES)
@require_GET
def workshop_page(request):
    """The workshop's open repairs by stage, the one due first at the top."""
    stage = request.GET.get("stage", "")
    if stage not in WORKSHOP_STAGES:
        stage = ""
    rows, stages = selectors.workshop_board(user=request.user, stage=stage or None)
    rows = list(rows[:200])
    for row in rows:
        row.turnaround_state, row.turnaround_left = selectors.receipt_turnaround(row)
    return render(
        request,
        "depot/workshop.html",
        {"rows": rows, "stages": stages, "stage": stage,
         "loan_units": LoanUnit.objects.select_related("product_model").order_by("number")[:100]},
    )  # fmt: skip


def _next_stages(receipt):
    return [
        (s, DepotStage(s).label) for s in STAGE_TRANSITIONS[receipt.stage] if s in WORKSHOP_STAGES
    ]


def _render_repair(request, receipt, *, return_form=None, status=200):
    receipt.turnaround_state, receipt.turnaround_left = selectors.receipt_turnaround(receipt)
    user = request.user
    return render(
        request,
        "depot/repair.html",
        {
            "receipt": receipt,
            "ticket": receipt.ticket,
            "history": selectors.ticket_stage_history(receipt.ticket),
            "next_stages": _next_stages(receipt) if receipt.is_open else [],
            "may_stage": has_role(user, *services.STAGE_ROLES),
            "may_board": has_role(user, *BOARD_ROLES),
            "may_return": receipt.is_open
            and receipt.stage == DepotStage.READY
            and has_role(user, *services.RETURN_ROLES),
            "may_lend": receipt.is_open
            and receipt.loan_unit_id is None
            and has_role(user, *services.LOAN_LEND_ROLES),
            "may_photo": receipt.is_open and has_role(user, *services.TAKE_IN_ROLES),
            "loan_units": LoanUnit.objects.available().select_related("product_model"),
            "return_form": return_form or ReturnForm(),
            "photo_form": PhotoForm(),
        },
        status=status,
    )


@login_required
@require_GET
def repair_page(request, pk):
    """One repair: the receipt, the stages so far, the buttons of the next stages."""
    return _render_repair(request, _receipt(request, pk))


@login_required
@require_POST
def take_in(request, pk):
    """The ticket page's take-in card posts here; back to the ticket page either way."""
    ticket = get_object_or_404(
        Ticket.objects.visible_to(request.user).select_related("product"), pk=pk
    )
    form = TakeInForm(request.POST, ticket=ticket)
    if form.is_valid():
        data = form.cleaned_data
        try:
            receipt = services.receipt_take_in(
                ticket=ticket,
                actor=request.user,
                signature=data["signature"],
                serial_number=data["serial_number"],
                condition_checks=data["condition_checks"],
                condition_notes=data["condition_notes"],
                accessories=data["accessories"],
                accessories_other=data["accessories_other"],
                loan_unit=data["loan_unit"],
            )
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Unit taken in: equipment receipt %(number)s.") % {"number": receipt.number},
            )
            return redirect("depot-repair-page", pk=receipt.pk)
    # Refused: the form again, on a page of its own, with the messages and the input kept.
    return _render_take_in(request, ticket, form)


def _render_take_in(request, ticket, form):
    return render(request, "depot/take_in.html", {"ticket": ticket, "form": form}, status=400)


@_roles(*services.STAGE_ROLES)
@require_POST
def stage_set(request, pk):
    receipt = _receipt(request, pk)
    try:
        services.receipt_stage_set(
            receipt=receipt,
            actor=request.user,
            stage=request.POST.get("stage", ""),
            note=request.POST.get("note", "")[:2000],
            expected_version=_version(request),
        )
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (ApplicationError, ValidationError) as exc:
        _message(request, exc)
    else:
        receipt.refresh_from_db()
        messages.success(request, _("Stage: %(stage)s.") % {"stage": receipt.get_stage_display()})
    return redirect("depot-repair-page", pk=receipt.pk)


@_roles(*services.LOAN_LEND_ROLES)
@require_POST
def lend(request, pk):
    receipt = _receipt(request, pk)
    unit = LoanUnit.objects.filter(pk=request.POST.get("loan_unit") or 0).first()
    if unit is None:
        messages.error(request, _("Choose a loan unit."))
        return redirect("depot-repair-page", pk=receipt.pk)
    try:
        services.receipt_loan_lend(
            receipt=receipt, loan_unit=unit, actor=request.user, expected_version=_version(request)
        )
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (ApplicationError, ValidationError) as exc:
        _message(request, exc)
    else:
        messages.success(request, _("Loan unit %(number)s lent.") % {"number": unit.number})
    return redirect("depot-repair-page", pk=receipt.pk)


@_roles(*services.RETURN_ROLES)
@require_POST
def return_unit(request, pk):
    receipt = _receipt(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.receipt_return(
                receipt=receipt,
                actor=request.user,
                signature=form.cleaned_data["signature"],
                notes=form.cleaned_data["notes"],
                expected_version=_version(request),
            )
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Unit returned: receipt %(number)s is closed.") % {"number": receipt.number},
            )
            return redirect("depot-repair-page", pk=receipt.pk)
    receipt = _receipt(request, pk)
    return _render_repair(request, receipt, return_form=form, status=400)


@login_required
@require_POST
def photo_add(request, pk):
    receipt = _receipt(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo to upload."))
        return redirect("depot-repair-page", pk=receipt.pk)
    try:
        services.receipt_photo_add(
            receipt=receipt, actor=request.user, file=form.cleaned_data["file"]
        )
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (ApplicationError, ValidationError) as exc:
        _message(request, exc)
    else:
        messages.success(request, _("Photo added."))
    return redirect("depot-repair-page", pk=receipt.pk)


@login_required
@require_GET
def photo_file(request, pk):
    """A receipt's photo, to those who may see the receipt (404 otherwise)."""
    visible = EquipmentReceipt.objects.visible_to(request.user)
    photo = get_object_or_404(ReceiptPhoto.objects.filter(receipt__in=visible), pk=pk)
    response = file_response(photo.file)
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "attachment", "inline"
    )
    return response


@login_required
@require_GET
def receipt_pdf(request, pk):
    """The equipment receipt as a PDF for the customer, in the customer's language."""
    receipt = _receipt(request, pk)
    response = HttpResponse(receipts.receipt_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(receipt)}"'
    return response
