"""The customer page (客户档案)."""

from django.shortcuts import get_object_or_404, render

from aftersales.roles import Role

from ..selectors import customer_list
from .common import DESK, role_required


@role_required(*DESK, Role.AUDITOR)
def customer_detail_page(request, pk):
    """One customer: contact details, registered products, their service history."""
    customer = get_object_or_404(customer_list(user=request.user), pk=pk)
    return render(request, "tickets/customer_detail.html", {"customer": customer})
