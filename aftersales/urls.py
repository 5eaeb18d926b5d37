from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from aftersales.api.auth import TokenObtainView
from aftersales.api.docs import APIDocsView

api_v1 = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("", include("tickets.api.urls")),
    path("", include("technicians.api.urls")),
    path("", include("audits.api.urls")),
    path("", include("parts.api.urls")),
    path("", include("audits.quality.api.urls")),
    path("", include("aftersales.platform.api.urls")),
    path("", include("aftersales.tokens.api.urls")),
    path("", include("tickets.bulk.api_urls")),
    path("", include("tickets.settlement.api.urls")),
    path("", include("tickets.costs.api.urls")),
    path("", include("tickets.knowledge.api.urls")),
    path("", include("tickets.depot.api.urls")),
    path("", include("tickets.incidents.api.urls")),
    path("", include("tickets.surveys.api.urls")),
    path("", include("technicians.tools.api.urls")),
    path("", include("audits.targets.api.urls")),
]

admin.site.site_header = admin.site.site_title = _("Aftersales administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", APIDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("aftersales.signin.urls")),
    path("", include("aftersales.tokens.urls")),
    # Before tickets.urls: /service/commitments/ is not a request number.
    path("", include("audits.targets.public_urls")),
    path("", include("tickets.urls")),
    path("", include("tickets.bulk.urls")),
    path("", include("audits.quality.urls")),
    path("", include("tickets.settlement.urls")),
    path("", include("tickets.costs.urls")),
    path("", include("tickets.knowledge.urls")),
    path("", include("tickets.depot.urls")),
    path("", include("tickets.incidents.urls")),
    path("", include("tickets.surveys.urls")),
    path("", include("technicians.tools.urls")),
    path("", include("audits.targets.urls")),
]
# MEDIA_ROOT is not published, not even in DEBUG: uploads are served by the API views
# that check who may see them (aftersales/api/files.py).

# An unmatched path under /api/ answers the API's JSON 404, the pages our 404.html.
handler404 = "aftersales.api.errors.page_not_found"
