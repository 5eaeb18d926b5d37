"""The second step of a sign-in: verify the second factor, or enrol one first."""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from .forms import SecondFactorCodeForm
from .lockout import lockout_response
from .second_factor import (
    PENDING_SESSION_KEY,
    base32_key,
    has_device,
    qr_data_url,
    second_factor_enrol,
    second_factor_pending,
    second_factor_verify,
    totp_device_for_enrolment,
)


def _next_url(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _with_next(url_name, next_url):
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@login_required
def second_factor_verify_page(request):
    """Ask the signed-in user for a code from their authenticator (or a backup code)."""
    next_url = _next_url(request)
    if not second_factor_pending(request):
        return redirect(next_url)
    if not has_device(request.user):
        return redirect(_with_next("second-factor-enrol", next_url))
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_verify(
            user=request.user, code=form.cleaned_data["code"], request=request
        )
        if device is not None:
            otp_login(request, device)
            request.session.pop(PENDING_SESSION_KEY, None)
            return redirect(next_url)
        if getattr(request, "axes_locked_out", False):
            # The failures reached the lockout: end the half-signed-in session as well.
            logout(request)
            return lockout_response(request)
        form.add_error("code", _("This code is not valid. Try the current one."))
    return render(
        request, "registration/second_factor_verify.html", {"form": form, "next": next_url}
    )


@login_required
def second_factor_enrol_page(request):
    """Set up an authenticator app: show the QR code and key, confirm with a first code,
    then show the backup codes once."""
    next_url = _next_url(request)
    if has_device(request.user):
        # One device per person; a lost phone is reset by an administrator (README).
        if second_factor_pending(request):
            return redirect(_with_next("second-factor-verify", next_url))
        return redirect(next_url)
    device = totp_device_for_enrolment(request.user)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor_enrol(
            device=device, code=form.cleaned_data["code"], actor=request.user
        )
        if codes is not None:
            otp_login(request, device)
            request.session.pop(PENDING_SESSION_KEY, None)
            return render(
                request,
                "registration/second_factor_enrol.html",
                {"backup_codes": codes, "next": next_url},
            )
        form.add_error("code", _("This code is not valid. Check the key and the phone's clock."))
    context = {
        "form": form,
        "next": next_url,
        "qr_data_url": qr_data_url(device),
        "key": base32_key(device),
    }
    return render(request, "registration/second_factor_enrol.html", context)
