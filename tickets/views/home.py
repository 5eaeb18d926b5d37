"""Where a signed-in person lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .common import _is_field_technician


@login_required
def home(request):
    """Technicians land on their jobs; everyone else on the ticket list."""
    if _is_field_technician(request.user):
        return redirect("my-jobs-page")
    return redirect("ticket-list-page")
