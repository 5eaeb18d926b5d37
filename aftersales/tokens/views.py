"""The supervisors' page of integrator tokens (``/integrator-tokens/``).

Issue a token to an integrator account, rotate it (a new key; the old one stops) or
revoke it. The key is shown once, in the answer to the create or the rotation, and never
stored; the list shows the prefix and the last use. Every write goes through
``aftersales.tokens.services``, which checks the role again and audits. The forms post
with htmx and swap the panel (``#tokens-panel``); without JavaScript they post the page.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales.admin import add_service_errors
from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role

from . import selectors, services
from .forms import IntegratorTokenCreateForm, IntegratorTokenRotateForm
from .models import IntegratorToken


def supervisor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_role(request.user, Role.SUPERVISOR):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _render(
    request, *, create_form=None, issued=None, failed=None, notice=None, refused=False, status=200
):
    """The whole page, or only the panel for htmx. ``failed``: (token id, rotate form)
    of a refused rotation, its errors shown on its row; ``notice``: a line above the
    list (``refused``: a refusal, e.g. a token someone else revoked meanwhile)."""
    tokens = list(selectors.integrator_token_list())
    failed_pk, failed_form = failed or (None, None)
    for token in tokens:
        token.rotate_form = (
            failed_form
            if token.pk == failed_pk
            else IntegratorTokenRotateForm(prefix=f"rotate-{token.pk}")
        )
    context = {
        "tokens": tokens,
        "create_form": create_form or IntegratorTokenCreateForm(),
        "issued": issued,
        "notice": notice,
        "refused": refused,
    }
    template = "tokens/_panel.html" if request.htmx else "tokens/tokens.html"
    return render(request, template, context, status=status)


def _service_call(form, call):
    """``call()``'s result, or None with the service's refusal on ``form``."""
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(form, exc)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
    return None


@require_GET
@supervisor_required
def token_list_page(request):
    return _render(request)


@require_POST
@supervisor_required
def token_create_page(request):
    form = IntegratorTokenCreateForm(request.POST)
    result = form.is_valid() and _service_call(
        form,
        lambda: services.integrator_token_create(actor=request.user, **form.cleaned_data),
    )
    if not result:
        return _render(request, create_form=form, status=400)
    token, key = result
    return _render(request, issued={"token": token, "key": key, "rotated": False})


def _new_expiry(data):
    """An empty date keeps the token's expiry (the service's default)."""
    return {"expires_at": data["expires_at"]} if data.get("expires_at") else {}


@require_POST
@supervisor_required
def token_rotate_page(request, pk):
    token = get_object_or_404(IntegratorToken, pk=pk)
    form = IntegratorTokenRotateForm(request.POST, prefix=f"rotate-{token.pk}")
    result = form.is_valid() and _service_call(
        form,
        lambda: services.integrator_token_rotate(
            token=token, actor=request.user, **_new_expiry(form.cleaned_data)
        ),
    )
    if not result:
        token.refresh_from_db(fields=["revoked_at"])
        if token.revoked_at is not None:  # revoked meanwhile: its row has no form left
            notice = _("Token “%(name)s” is revoked: it cannot be rotated.") % {"name": token.name}
            return _render(request, notice=notice, refused=True, status=400)
        return _render(request, failed=(token.pk, form), status=400)
    token, key = result
    return _render(request, issued={"token": token, "key": key, "rotated": True})


@require_POST
@supervisor_required
def token_revoke_page(request, pk):
    token = get_object_or_404(IntegratorToken, pk=pk)
    try:
        services.integrator_token_revoke(token=token, actor=request.user)
    except ApplicationError as exc:
        if request.htmx:
            return _render(request, notice=exc.message, refused=True, status=400)
        messages.error(request, exc.message)
        return redirect("integrator-token-list-page")
    notice = _("Token “%(name)s” revoked: it is refused from now on.") % {"name": token.name}
    if request.htmx:
        return _render(request, notice=notice)
    messages.success(request, notice)
    return redirect("integrator-token-list-page")
