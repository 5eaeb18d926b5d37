"""The API's human documentation (Swagger UI at ``/api/docs/``).

It is a page for people: a signed-out visitor is sent to the sign-in page and comes back
after it (``?next=``), where the API itself answers 401. An API client with a token (or a
signed-in browser session) gets the page as before; the schema at ``/api/schema/`` stays
an API endpoint (401 without credentials), as the contract says.
"""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated


class APIDocsView(SpectacularSwaggerSplitView):
    def handle_exception(self, exc):
        # No credentials at all (a wrong token is still the API's 401).
        if isinstance(exc, NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
