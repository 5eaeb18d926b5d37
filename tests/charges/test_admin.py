"""The charges in the admin: supervisors read every record, nobody writes there."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tickets.charges import services as charges
from tickets.charges.models import PriceList, Quote

pytestmark = pytest.mark.django_db

MODELS = ["pricelist", "quote", "chargeline", "payment", "receipt", "refund"]


@pytest.mark.parametrize("model", MODELS)
def test_supervisor_reads_the_charges_in_the_admin(supervisor_admin, price_list, model):
    url = reverse(f"admin:charges_{model}_changelist")
    assert supervisor_admin.get(url).status_code == 200
    assert supervisor_admin.get(reverse(f"admin:charges_{model}_add")).status_code == 403


def test_admin_cannot_change_a_published_price_list_or_a_quote(
    supervisor_admin, price_list, job, technician, stock
):
    quote = charges.quote_create(ticket=job(), actor=technician.user, travel_km=Decimal("3"))
    url = reverse("admin:charges_pricelist_change", args=[price_list.pk])
    assert supervisor_admin.get(url).status_code == 200
    supervisor_admin.post(url, {"name": "changed"})
    assert PriceList.objects.get(pk=price_list.pk).name == "Standard"
    page = supervisor_admin.get(reverse("admin:charges_quote_change", args=[quote.pk]))
    assert page.status_code == 200 and b"data:image" not in page.content
    assert Quote.objects.get().status == "pending"
