"""The bench's URL conf: the product's, plus the two "framework floor" endpoints.

``make bench`` measures every operation against the larger of two floors: its SQL floor
(the same result from one hand-written statement) and the framework floor, the fixed cost
of any request through our stack with no work of its own: an authenticated DRF endpoint
(token lookup, roles, the default permission, content negotiation, JSON rendering, every
middleware) and a signed-in page (session, second-factor check, CSP, no template)
returning a constant body. They exist only under ``aftersales.settings.bench``.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

CONSTANT = {"ok": True, "floor": "framework"}


class FrameworkFloorView(APIView):
    """GET: a constant body, after the API's authentication and default permission."""

    def get(self, request):
        return Response(CONSTANT)


@login_required
def framework_floor_page(request):
    return HttpResponse(b"<!doctype html><title>floor</title><p>ok</p>")


urlpatterns = [
    path("api/v1/bench/framework-floor/", FrameworkFloorView.as_view()),
    path("bench/framework-floor/", framework_floor_page),
    path("", include("aftersales.urls")),
]
