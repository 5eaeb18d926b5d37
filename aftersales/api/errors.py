"""Django's own error views, answered as the API's JSON under ``/api/``.

A path under ``/api/`` that matches no route (``/api/v1/webhooks/1.5/``: the router's ids
have no dot) is a 404 that DRF never sees; Django would answer its HTML page, where the
schema promises ``{"detail": "..."}``. The pages keep their own templates.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def page_not_found(request, exception):
    """``handler404``: JSON for the API, ``templates/404.html`` for everything else."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
