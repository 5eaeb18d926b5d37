"""Customers and their registered products."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.platform.services import (
    notifications_cancel_customer,
    notifications_redact_customer,
)
from aftersales.roles import DESK_ROLES, INTAKE_ROLES, Role, acting_user, role_require
from audits.history import history_redact
from audits.personal import personal_key_shred
from audits.services import audit_record, diff, snapshot

from ..models import CUSTOMER_PERSONAL_FIELDS, Customer, Product
from ..phones import normalize_phone
from ..selectors import customer_data

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

    Writes the customer and its ``customer.created`` audit event (the personal values in
    it encrypted with the customer's own key, ``audits.personal``).
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
                changes=snapshot(customer, (*CUSTOMER_PERSONAL_FIELDS, "tier", "area_id")),
            )
    except IntegrityError as exc:  # a concurrent create with the same phone won the race
        raise ValidationError(
            {"phone": [_("A customer with this phone number already exists.")]}
        ) from exc
    return customer


# What an intake may say about a customer it names by phone, besides the phone itself.
INTAKE_DETAIL_FIELDS = ("name", "email", "address", "area")


def customer_match_or_create(*, actor, name, phone, email="", address="", area=None):
    """The customer an intake names by details rather than id (``POST /tickets/`` with an
    inline customer): the known customer (not erased) with the same normalised phone, or a
    new one registered with ``customer_create``. Returns ``(customer, created)``.

    A known customer's record is kept as it is: an integrator's submission never changes
    it (it may not even see it, and a blind overwrite would let whoever knows a number
    move someone's visit address). Submitted details that differ from the stored ones are
    recorded in one ``customer.intake_differs`` audit event (``{field: [stored,
    submitted]}``, the personal values encrypted with the customer's key) for the desk to
    check with the customer and correct on the customer page. Knowing the full number is
    a lookup, so the match is also audited ``customer.looked_up`` (which lets the
    integrator file again with the id). Run inside the intake's transaction; a concurrent
    intake registering the same new number makes this one use that customer."""
    role_require(actor, *INTAKE_ROLES)
    try:
        normal = normalize_phone(phone)
    except ValueError as exc:
        raise ValidationError({"phone": [str(exc)]}) from exc
    known = Customer.objects.active().filter(phone=normal).select_related("area").first()
    if known is None:
        try:
            with transaction.atomic():
                customer = customer_create(
                    actor=actor, name=name, phone=normal, email=email, address=address, area=area
                )
            return customer, True
        except ValidationError:
            # The same number registered by a concurrent intake that has committed since
            # (or an erased customer's placeholder, which never matches): match again.
            known = Customer.objects.active().filter(phone=normal).select_related("area").first()
            if known is None:
                raise
    submitted = {"name": name, "email": email, "address": address, "area": area}
    differing = {}
    for field in INTAKE_DETAIL_FIELDS:
        value = submitted[field]
        if field == "area":
            if value is not None and value.pk != known.area_id:
                differing["area"] = [known.area.code if known.area_id else None, value.code]
            continue
        value = (value or "").strip()
        if value and value != getattr(known, field):
            differing[field] = [getattr(known, field), value]
    audit_record(actor=actor, action="customer.looked_up", obj=known, changes={"via": "intake"})
    if differing:
        audit_record(actor=actor, action="customer.intake_differs", obj=known, changes=differing)
    return known, False


def product_match_or_register(*, actor, customer, model, serial_number, purchase_date=None):
    """The unit an intake names by model and serial: the registered one, which must be
    ``customer``'s, or a new one registered with ``product_register`` (which then needs
    the purchase date). Returns ``(product, created)``; nothing about a known unit is
    changed."""
    role_require(actor, *INTAKE_ROLES)
    serial_number = (serial_number or "").strip()
    if not serial_number:
        raise ValidationError({"serial_number": [_("Enter the unit's serial number.")]})
    known = Product.objects.filter(model=model, serial_number=serial_number).first()
    if known is not None:
        if known.customer_id != customer.pk:
            raise ValidationError(
                {"serial_number": [_("This unit is registered to another customer.")]}
            )
        return known, False
    if purchase_date is None:
        raise ValidationError(
            {"purchase_date": [_("Give the purchase date to register a new unit.")]}
        )
    product = product_register(
        actor=actor,
        customer=customer,
        model=model,
        serial_number=serial_number,
        purchase_date=purchase_date,
    )
    return product, True


# What the desk edits on the customer page as contact details (the tier is triage's).
CONTACT_FIELDS = (
    "name",
    "phone",
    "email",
    "address",
    "area",
    "language",
    "consent_service",
    "consent_marketing",
)
# The data subject's right to correct (domain.md): their personal values, each correction
# with the reason it was asked for.
CORRECTABLE_FIELDS = CUSTOMER_PERSONAL_FIELDS


def _customer_change(*, customer, actor, fields, action, extra=None):
    """The one writer of an existing customer's fields, for ``customer_update`` and
    ``customer_correct``: the row locked and read as stored, the phone normalised and
    unique, text fields checked against the model, one audit event ``action`` with each
    changed field's [before, after] (the personal ones encrypted with the customer's key)
    and ``extra``; nothing written when nothing changed. Consent to service contact
    withdrawn here cancels the customer's pending service messages, as
    ``customer_consent_withdraw`` does."""
    role_require(actor, *DESK_ROLES)
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValueError(f"not customer fields: {sorted(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at:
        raise ValidationError({"non_field_errors": [_("This customer's data was erased.")]})
    before = snapshot(customer, CUSTOMER_FIELDS)
    fields = dict(fields)
    if "phone" in fields:
        fields["phone"] = _normalized_phone(fields["phone"], exclude_pk=customer.pk)
    errors = {}
    for name in {"name", "email", "address"} & set(fields):
        fields[name] = (fields[name] or "").strip()
        try:
            Customer._meta.get_field(name).clean(fields[name], customer)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    for field, value in fields.items():
        setattr(customer, field, value)
    changes = diff(customer, before, CUSTOMER_FIELDS)
    if changes:
        customer.save()
        if before["consent_service"] and not customer.consent_service:
            notifications_cancel_customer(customer_id=customer.pk)
        audit_record(actor=actor, action=action, obj=customer, changes={**changes, **(extra or {})})
    return customer, changes


@transaction.atomic
def customer_update(*, customer, actor, **fields):
    """Edit a customer's contact details (any of ``CUSTOMER_FIELDS``): the desk's routine
    change, e.g. a new address. Audited ``customer.updated`` with before/after values.
    Returns the customer as now stored."""
    customer, _changes = _customer_change(
        customer=customer, actor=actor, fields=fields, action="customer.updated"
    )
    return customer


@transaction.atomic
def customer_correct(*, customer, actor, field, value, reason):
    """The right to correct (domain.md): the customer asks for one of their personal values
    (``CORRECTABLE_FIELDS``) to be put right; an agent or supervisor does it, with the
    reason (what the customer asked, how it was checked). Audited ``customer.corrected``
    with the field's before/after and the reason. A value already right is refused, so
    every correction on record changed something."""
    if field not in CORRECTABLE_FIELDS:
        raise ValidationError({"field": [_("This field cannot be corrected here.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the data is corrected.")]})
    customer, changes = _customer_change(
        customer=customer,
        actor=actor,
        fields={field: value},
        action="customer.corrected",
        extra={"reason": reason},
    )
    if not changes:
        raise ValidationError({"value": [_("This is already the stored value.")]})
    return customer


@transaction.atomic
def customer_erase(*, customer, actor, reason):
    """Privacy erasure: anonymise the PII in place; tickets and products stay for the records.

    The phone becomes a unique placeholder so the number can register again; the
    customer's messages on the communication log lose their addresses and text; the
    customer's key of the audit trail is deleted (crypto-shredding: the encrypted values in
    every earlier audit event become unreadable, the hash chain untouched) and the
    safety-net snapshots of the row get the placeholders too. Idempotent in effect, but
    erasing twice is refused so the audit shows one erasure.
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
    personal_key_shred(object_type="tickets.customer", object_id=customer.pk)
    history_redact(
        Customer,
        pk=customer.pk,
        values={field: getattr(customer, field) for field in CUSTOMER_PERSONAL_FIELDS},
    )
    audit_record(
        actor=actor,
        action="customer.erased",
        obj=customer,
        changes={"reason": reason, "fields": ["name", "phone", "email", "address"]},
    )
    return customer


@transaction.atomic
def customer_lookup(*, actor, phone):
    """An integrator's "is this caller our customer?": the customers (not erased) with the
    full phone number ``phone``, for ``GET /api/v1/customers/?phone=``, which answers only
    their id and that they exist. Each find is audited ``customer.looked_up``, which also
    lets the integrator file a ticket for that id (``Customer.objects.fileable_by``)."""
    role_require(actor, *INTAKE_ROLES)
    try:
        phone = normalize_phone(phone)
    except ValueError:
        return []
    found = list(Customer.objects.active().filter(phone=phone))
    for customer in found:
        audit_record(actor=actor, action="customer.looked_up", obj=customer, changes={})
    return found


@transaction.atomic
def customer_consent_withdraw(*, customer, actor, service=False, marketing=False):
    """Withdraw the customer's consent to service contact and/or marketing.

    ``POST /api/v1/customers/{id}/consent/`` (desk roles). From the commit on, no message
    of that kind is sent: the dispatch notice checks ``consent_service`` when queued, and
    the customer's service messages still waiting in the outbox are cancelled
    (``no_recipient``). Audited ``customer.consent_withdrawn`` with before/after values.
    """
    role_require(actor, *DESK_ROLES)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at:
        raise ValidationError({"non_field_errors": [_("This customer's data was erased.")]})
    before = snapshot(customer, ("consent_service", "consent_marketing"))
    if service:
        customer.consent_service = False
    if marketing:
        customer.consent_marketing = False
    changes = diff(customer, before, ("consent_service", "consent_marketing"))
    if changes:
        customer.save(update_fields=["consent_service", "consent_marketing", "updated_at"])
        if service:
            notifications_cancel_customer(customer_id=customer.pk)
        audit_record(
            actor=actor, action="customer.consent_withdrawn", obj=customer, changes=changes
        )
    return customer


@transaction.atomic
def customer_export(*, customer, actor, fmt="json"):
    """The right of access: everything held about ``customer`` (``selectors.customer_data``),
    for ``GET /api/v1/customers/{id}/export/`` (supervisors). Audited
    ``customer.exported`` (with the format), since it shows every personal value at once."""
    role_require(actor, Role.SUPERVISOR)
    data = customer_data(customer=customer)
    audit_record(actor=actor, action="customer.exported", obj=customer, changes={"format": fmt})
    return data


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
