"""A published price list in the bench database, for the operations that price jobs
(charges, settlement, costs' outsourced fees). Made once, in force since 2000-01-01;
a database that already has a published list keeps it."""

import datetime
from decimal import Decimal

from django.db import transaction

from tickets.charges.choices import PriceListStatus
from tickets.charges.models import CalloutZone, LabourRate, PriceList
from tickets.choices import TicketCategory


def ensure_price_list():
    if PriceList.objects.published().exists():
        return
    with transaction.atomic():
        price_list = PriceList.objects.create(
            code="BENCH-PL",
            name="Bench price list",
            effective_from=datetime.date(2000, 1, 1),
            status=PriceListStatus.PUBLISHED,
        )
        LabourRate.objects.bulk_create(
            LabourRate(price_list=price_list, service_type=code, amount=Decimal("80.00"))
            for code in TicketCategory.values
        )
        CalloutZone.objects.bulk_create(
            [
                CalloutZone(
                    price_list=price_list, code="Z1", name="City", up_to_km=10, fee=Decimal(0)
                ),
                CalloutZone(
                    price_list=price_list, code="Z2", name="Far", up_to_km=None, fee=Decimal(50)
                ),
            ]
        )
