"""Where a signed-in person lands."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from aftersales.roles import Role, roles_of

from .common import _is_field_technician


@login_required
def home(request):
    """Technicians land on their jobs, the workshop on its repairs; everyone else on the
    ticket list."""
    if _is_field_technician(request.user):
        return redirect("my-jobs-page")
    if roles_of(request.user) == {Role.WORKSHOP}:
        return redirect("depot-workshop-page")
    return redirect("ticket-list-page")
