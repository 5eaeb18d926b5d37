"""The technician's app offline (README "The technician's app offline"): the web app
manifest, the service worker, the page shown for a job the phone never saved, the sync
state the phone asks for before it sends what it queued, and ``offline_replay``, the
wrapper that lets a job page's form be replayed from the phone's queue.

A change made with no signal is kept on the phone (IndexedDB, ``static/js/offline.js``)
as the very form post it would have been, with a key and the phone's clock. When the
signal returns the phone posts it again, to the same view, with three headers:
``X-Offline-Replay: 1``, ``Idempotency-Key`` and ``X-Device-Time``. The view runs as
for a tap online (the same form, the same service, the same checks: the job must still
be the technician's, its version unchanged), inside ``idempotent_create``, so a second
replay of the same key returns the first answer and changes nothing. The answer is
JSON: ``applied`` / ``duplicate`` (with the ticket's new version, so the phone can chain
the next change of the same job), or ``conflict`` / ``invalid`` / ``signed_out`` with
the message the page would have shown; the phone keeps those and shows them.
"""

import hashlib
from functools import lru_cache, wraps

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aftersales.exceptions import ApplicationError
from aftersales.platform.services import idempotent_create
from aftersales.roles import Role

from ..models import Ticket
from .common import role_required

REPLAY_HEADER = "X-Offline-Replay"
SW_SCOPE = "/jobs/"
WORKBOX_MODULES = ("workbox-core", "workbox-routing", "workbox-strategies")
# The files the job pages need, kept by the service worker when it installs.
APP_SHELL = (
    "css/app.css",
    "css/job.css",
    "css/signoff.css",
    "js/app.js",
    "js/job.js",
    "js/offline.js",
    "js/search.js",
    "js/shortcuts.js",
    "vendor/@github/hotkey/index.js",
    "vendor/htmx.org/htmx.min.js",
    "vendor/idb/idb.umd.js",
    "favicon.svg",
    "icons/app-192.png",
)


class ReplayConflict(Exception):
    """Raised by a view while replaying when the post would do nothing now (the job
    moved on meanwhile): the phone is told, rather than shown a success."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class _Refused(Exception):
    def __init__(self, status, problem):
        super().__init__(status)
        self.status, self.problem = status, problem


def is_replay(request):
    return request.method == "POST" and request.headers.get(REPLAY_HEADER) == "1"


def device_time_of(value):
    """The ``X-Device-Time`` header as an aware datetime, or None when absent or not an
    ISO 8601 instant with its offset."""
    if not value or len(value) > 64:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed


def replay_problem(request, *, error=None, forms=()):
    """Note what refused the post (the page's banner, the forms' errors) so that a replay
    can answer it in words; the page views call this when they render a refusal."""
    fields = {}
    for form in forms:
        if form is not None and form.is_bound:
            for name, errors in form.errors.items():
                fields.setdefault(name, []).extend(str(e) for e in errors)
    request.replay_problem = {"error": str(error) if error else "", "fields": fields}


def _fingerprint(request):
    """The post as the phone sent it (the CSRF token and the version it chains left out:
    both change between attempts of the same change), files by name, size and digest."""
    data = {
        name: request.POST.getlist(name)
        for name in sorted(request.POST)
        if name not in ("csrfmiddlewaretoken", "version")
    }
    for name in sorted(request.FILES):
        digests = []
        for upload in request.FILES.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            digests.append([upload.name, upload.size, digest.hexdigest()])
        data[f"file:{name}"] = digests
    return data


def _answer(outcome, message, status, **extra):
    return JsonResponse({"outcome": outcome, "message": message, **extra}, status=status)


def _problem_message(problem, status):
    if problem.get("error"):
        return problem["error"]
    for errors in problem.get("fields", {}).values():
        if errors:
            return errors[0]
    if status == 403:
        return _("This change was refused: you may not make it.")
    return _("This change was refused.")


def offline_replay(view):
    """Let a job page's POST view be replayed from the phone's queue (module docstring).
    Without the replay header the view runs as it always does."""

    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        if not is_replay(request):
            return view(request, pk, *args, **kwargs)
        if not request.user.is_authenticated:
            return _answer(
                "signed_out", _("Sign in again to send the changes kept on this phone."), 401
            )
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 255:
            return _answer("invalid", _("A queued change must carry its Idempotency-Key."), 400)
        request.device_time = device_time_of(request.headers.get("X-Device-Time"))

        def run():
            response = view(request, pk, *args, **kwargs)
            said = [str(message) for message in messages.get_messages(request)]
            if response.status_code in (301, 302, 303):
                version = Ticket.objects.filter(pk=pk).values_list("version", flat=True).first()
                return 200, {"location": response["Location"], "messages": said, "version": version}
            raise _Refused(
                response.status_code,
                getattr(request, "replay_problem", {"error": "", "fields": {}}),
            )

        try:
            _status, body, replayed = idempotent_create(
                user=request.user,
                key=key,
                endpoint=request.path,
                data=_fingerprint(request),
                create=run,
                device_time=request.device_time,
            )
        except _Refused as refused:
            status = refused.status if refused.status >= 400 else 409
            outcome = "conflict" if status in (403, 404, 409) else "invalid"
            message = _problem_message(refused.problem, status)
            if getattr(request, "replay_code", "") == "stale_version":
                message = _(
                    "The job was changed at the desk while this phone had no signal "
                    "(rescheduled, or its record edited), so this change was not applied. "
                    "Open the job again, check it and do the step again; then discard this one."
                )
            return _answer(
                outcome,
                message,
                status,
                fields=refused.problem.get("fields", {}),
            )
        except Http404:
            return _answer(
                "conflict",
                _("This job is no longer yours (reassigned or cancelled meanwhile). Ask the desk."),
                404,
            )
        except PermissionDenied:
            return _answer("conflict", _("This change was refused: you may not make it."), 403)
        except ReplayConflict as exc:
            return _answer("conflict", exc.message, 409)
        except ApplicationError as exc:
            return _answer("conflict", exc.message, getattr(exc, "status", 409))
        return JsonResponse({**body, "outcome": "duplicate" if replayed else "applied"})

    return wrapper


@never_cache
@role_required(Role.TECHNICIAN)
@require_GET
def job_sync_state(request):
    """What the phone needs before it sends its queue: who is signed in (a queue made by
    another technician on this phone is never sent by this one) and a CSRF token."""
    return JsonResponse(
        {"user": request.user.pk, "csrf": get_token(request), "now": timezone.now().isoformat()}
    )


@lru_cache(maxsize=1)
def _shell_version():
    """A digest of the app shell's files: a new deploy gives a new service worker, which
    then replaces the phone's saved copies of them."""
    digest = hashlib.sha256()
    for path in APP_SHELL:
        found = finders.find(path)
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request):
    """The service worker, at /jobs/ so that its scope is the technician's pages."""
    modules = {name: static(f"vendor/workbox/{name}.prod.js") for name in WORKBOX_MODULES}
    context = {
        "workbox_sw": static("vendor/workbox/workbox-sw.js"),
        "modules": modules,
        "shell": [static(path) for path in APP_SHELL] + [reverse("job-offline-page")],
        "offline_url": reverse("job-offline-page"),
        "version": _shell_version(),
    }
    response = render(request, "tickets/offline/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request):
    """The installable app's manifest (name in the user's language)."""
    manifest = {
        "name": _("Aftersales jobs"),
        "short_name": _("Jobs"),
        "description": _("Your service jobs, on the phone, with or without a signal."),
        "start_url": reverse("my-jobs-page"),
        "scope": SW_SCOPE,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4f91",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("icons/app-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/app-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/app-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def job_offline_page(request):
    """What the phone shows for a page it never saved while there is no signal."""
    return render(request, "tickets/offline/offline.html")
