"""Customers and their registered products."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.platform.services import notifications_redact_customer
from aftersales.roles import DESK_ROLES, INTAKE_ROLES, Role, acting_user, role_require
from audits.services import audit_record, diff, snapshot

from ..models import Customer, Product
from ..phones import normalize_phone

CUSTOMER_FIELDS = (
    "name",
    "phone",
    "email",
    "address",
    "area",
    "tier",
    "consent_service",
    "consent_marketing",
    "language",
)


def _normalized_phone(phone, *, exclude_pk=None):
    try:
        value = normalize_phone(phone)
    except ValueError as exc:
        raise ValidationError({"phone": [str(exc)]}) from exc
    if Customer.objects.filter(phone=value).exclude(pk=exclude_pk).exists():
        raise ValidationError({"phone": [_("A customer with this phone number already exists.")]})
    return value


def customer_create(
    *,
    actor,
    name,
    phone,
    email="",
    address="",
    area=None,
    tier=None,
    consent_service=True,
    consent_marketing=False,
    language=None,
):
    """Register a customer. The phone is normalised and must be new (400 otherwise).

    Writes the customer and its ``customer.created`` audit event.
    """
    role_require(actor, *INTAKE_ROLES)
    customer = Customer(
        name=name.strip(),
        phone=_normalized_phone(phone),
        email=email or "",
        address=address or "",
        area=area,
        consent_service=consent_service,
        consent_marketing=consent_marketing,
        created_by=acting_user(actor),
    )
    if tier:
        customer.tier = tier
    if language:
        customer.language = language
    try:
        with transaction.atomic():
            customer.save()
            audit_record(
                actor=actor,
                action="customer.created",
                obj=customer,
                changes=snapshot(customer, ("name", "tier", "area_id")),
            )
    except IntegrityError as exc:  # a concurrent create with the same phone won the race
        raise ValidationError(
            {"phone": [_("A customer with this phone number already exists.")]}
        ) from exc
    return customer


@transaction.atomic
def customer_update(*, customer, actor, **fields):
    """Correct a customer's data (the right to correct). Audited with before/after values."""
    role_require(actor, *DESK_ROLES)
    if customer.erased_at:
        raise ValidationError({"non_field_errors": [_("This customer's data was erased.")]})
    before = snapshot(customer, CUSTOMER_FIELDS)
    if "phone" in fields:
        fields["phone"] = _normalized_phone(fields["phone"], exclude_pk=customer.pk)
    for field, value in fields.items():
        setattr(customer, field, value)
    changes = diff(customer, before, CUSTOMER_FIELDS)
    if changes:
        customer.save()
        audit_record(actor=actor, action="customer.updated", obj=customer, changes=changes)
    return customer


@transaction.atomic
def customer_erase(*, customer, actor, reason):
    """Privacy erasure: anonymise the PII in place; tickets and products stay for the records.

    The phone becomes a unique placeholder so the number can register again; the
    customer's messages on the communication log lose their addresses and text. Idempotent
    in effect, but erasing twice is refused so the audit shows one erasure.
    """
    role_require(actor, Role.SUPERVISOR)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at:
        raise ValidationError({"non_field_errors": [_("This customer's data was already erased.")]})
    customer.name = f"Erased customer {customer.pk}"
    customer.phone = f"erased-{customer.pk}"
    customer.email = ""
    customer.address = ""
    customer.consent_service = False
    customer.consent_marketing = False
    customer.erased_at = timezone.now()
    customer.save()
    notifications_redact_customer(customer_id=customer.pk)
    audit_record(
        actor=actor,
        action="customer.erased",
        obj=customer,
        changes={"reason": reason, "fields": ["name", "phone", "email", "address"]},
    )
    return customer


def product_register(*, actor, customer, model, serial_number, purchase_date):
    """Register a customer's unit: (model, serial) is unique, the purchase not in the future."""
    role_require(actor, *INTAKE_ROLES)
    serial_number = serial_number.strip()
    if purchase_date > timezone.localdate():
        raise ValidationError({"purchase_date": [_("The purchase date cannot be in the future.")]})
    if customer.erased_at:
        raise ValidationError({"customer": [_("This customer's data was erased.")]})
    duplicate = {"serial_number": [_("This serial number is already registered for this model.")]}
    if Product.objects.filter(model=model, serial_number=serial_number).exists():
        raise ValidationError(duplicate)
    try:
        with transaction.atomic():
            product = Product.objects.create(
                customer=customer,
                model=model,
                serial_number=serial_number,
                purchase_date=purchase_date,
            )
            audit_record(
                actor=actor,
                action="product.registered",
                obj=product,
                changes={
                    "customer": customer.pk,
                    "model": model.code,
                    "serial_number": serial_number,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(duplicate) from exc
    return product
