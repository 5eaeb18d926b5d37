"""Phones parsed with libphonenumber (tickets/phones.py): rows stored by the hand-written
normaliser in a form the new one does not give are rewritten to the new form.

Only a few shapes differ: a home-region landline entered with the country code
(``+86 10 1234 5678`` was stored ``1012345678``, now ``01012345678``) and international
numbers entered with a national trunk digit (``+44 (0)20…``). Mobile numbers
(``1[3-9]…``, 11 digits) and landlines with their trunk 0 are the same in both and are not
read. A row whose new form another customer already has, or that is no valid number, is
left as stored: it still matches itself, and is checked when next edited.
"""

import phonenumbers
from django.conf import settings
from django.db import migrations
from django.db.models import Q

SAME_IN_BOTH = r"^(1[3-9][0-9]{9}|0[1-9][0-9]{8,11})$"


def _new_form(raw, region):
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) == region:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def renormalise(apps, schema_editor):
    Customer = apps.get_model("tickets", "Customer")
    region = getattr(settings, "PHONE_DEFAULT_REGION", "CN") or "CN"
    code = str(phonenumbers.country_code_for_region(region))
    candidates = (
        Customer.objects.filter(erased_at__isnull=True)
        .exclude(phone__regex=SAME_IN_BOTH)
        .exclude(phone__startswith="erased-")
        .values_list("pk", "phone")
    )
    for pk, phone in candidates.iterator():
        # A stored home number lost its country code: read it as dialled from abroad.
        raw = phone if phone.startswith("+") else f"+{code}{phone}"
        new = _new_form(raw, region)
        if new is None or new == phone:
            continue
        if Customer.objects.filter(Q(phone=new) & ~Q(pk=pk)).exists():
            continue
        Customer.objects.filter(pk=pk).update(phone=new)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0023_field_job")]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop, elidable=True)]
