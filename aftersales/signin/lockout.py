"""Lockout after repeated failed sign-ins, by account and by client address (django-axes).

Axes records every failed ``authenticate()`` (the page login, the admin login and the
token endpoint all pass their request) in its database tables, so a lockout needs no
cache and survives a Redis outage. While locked, the right password is refused too, until
``SIGNIN_LOCKOUT_MINUTES`` pass without a failure or someone unlocks it (``manage.py
axes_reset_username``, ``axes_reset_ip``, or deleting the attempts in the admin).
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class SignInLockoutBackend(AxesStandaloneBackend):
    """Refuses every sign-in of a locked account or address (first in
    ``AUTHENTICATION_BACKENDS``; ModelBackend then checks the password).

    A caller without a request (a management command, the shell, the test client's
    ``login()``) has no client address to lock and is let through to the next backend;
    every HTTP sign-in path passes its request (tests/platform/test_signin.py holds that).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SignInLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lockout parameter.

    Axes compares one number with one limit (``AXES_FAILURE_LIMIT``, here the account
    limit). An office behind one NAT address shares that address, so the address gets a
    higher limit of its own (``SIGNIN_ADDRESS_FAILURE_LIMIT``): its failures are scaled to
    the account limit (failures × account limit ÷ address limit, rounded down), so the
    number reaches ``AXES_FAILURE_LIMIT`` exactly when either count reaches its own limit.
    """

    def get_failures(self, request, credentials=None):
        account_limit = get_failure_limit(request, credentials)
        address_limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
        counts = [0]
        parameters = settings.AXES_LOCKOUT_PARAMETERS
        attempts_list = self.get_user_attempts(request, credentials)
        for parameter, attempts in zip(parameters, attempts_list, strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == "ip_address":
                failures = failures * account_limit // address_limit
            counts.append(failures)
        return max(counts)


def lockout_message():
    return _(
        "Too many failed sign-ins: this account or this address is locked for "
        "%(minutes)d minutes. A supervisor or an administrator can unlock it sooner."
    ) % {"minutes": settings.SIGNIN_LOCKOUT_MINUTES}


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: 429 with a ``Retry-After``; JSON on the API, the sign-in
    form with the message on the pages (the admin's included, so nobody meets a bare
    error page)."""
    retry_after = str(settings.SIGNIN_LOCKOUT_MINUTES * 60)
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message(), "code": "locked_out"}, status=429)
    else:
        next_url = request.POST.get("next") or request.GET.get("next", "")
        if not next_url and request.path_info.startswith("/admin/"):
            next_url = "/admin/"
        context = {"form": AuthenticationForm(request), "locked_out": lockout_message()}
        context["next"] = next_url
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
