"""Customers, products and tickets: the records of the service lifecycle."""

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Least, Upper
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, roles_of
from audits.models import AuditEvent

from .. import sla
from ..choices import (
    OPEN_STATUSES,
    Channel,
    CustomerTier,
    EventKind,
    FaultClass,
    Priority,
    TicketCategory,
    TicketStatus,
    WarrantyDecision,
)
from ..names import INITIALS_MAX_LENGTH, PINYIN_MAX_LENGTH, name_keys
from ..phones import mask_phone


def add_months(day, months):
    """``day`` plus whole calendar months, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


class ChoiceLabelsMixin:
    """``get_<field>_display()`` without Django's per-call cost.

    Django rebuilds ``dict(make_hashable(field.flatchoices))`` on every call, which hashes
    (so translates) every lazy label: on a 50-row page that was a quarter of the render.
    Our choice values are plain strings, so one dict per field, holding the lazy labels
    (translated when shown, in the language of the request), serves every call.
    """

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_aftersales_labels")
        if labels is None:
            labels = field._aftersales_labels = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(value, value), strings_only=True)


class ReferenceCode(models.Model):
    """Reference data named by a short, stable code (what the API and imports use)."""

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name


class Area(ReferenceCode):
    """A service area (city district, region) that technicians cover."""

    class Meta(ReferenceCode.Meta):
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")


class ProductCategory(ReferenceCode):
    """A product family (air conditioners, washing machines...); certifications name these."""

    class Meta(ReferenceCode.Meta):
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")


class ProductModel(models.Model):
    """A model the manufacturer sells, with its warranty length."""

    code = models.CharField(max_length=64, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    category = models.ForeignKey(
        ProductCategory, on_delete=models.PROTECT, related_name="models", verbose_name=_("category")
    )
    warranty_months = models.PositiveSmallIntegerField(
        default=12, verbose_name=_("warranty (months)")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("product model")
        verbose_name_plural = _("product models")

    def __str__(self):
        return f"{self.code} {self.name}"


class CustomerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(erased_at__isnull=True)

    def visible_to(self, user, *, phone=None):
        """Desk and audit roles see everyone; a technician the customers of their jobs; an
        integrator the customers it registered, or one whose full phone number it knows."""
        if user.is_superuser or roles_of(user) & {Role.AGENT, Role.SUPERVISOR, Role.AUDITOR}:
            return self
        roles = roles_of(user)
        visible = Q(pk__in=[])
        if Role.TECHNICIAN in roles:
            visible |= Q(tickets__technician__user=user)
        if Role.INTEGRATOR in roles:
            visible |= Q(created_by=user)
            if phone:
                visible |= Q(phone=phone)
        if Role.OUTLET_DISPATCHER in roles:
            visible |= Q(tickets__outlet__dispatchers=user)
        return self.filter(visible).distinct()

    def fileable_by(self, user):
        """The customers ``user`` may file a ticket for: those it may see, and for an
        integrator also those it found by their full phone number (``customer_lookup``
        records each find as a ``customer.looked_up`` audit event, which is the grant)."""
        roles = roles_of(user)
        if Role.INTEGRATOR not in roles or roles & {Role.AGENT, Role.SUPERVISOR}:
            return self.visible_to(user)
        found = (
            AuditEvent.objects.filter(
                action="customer.looked_up", actor=user, object_type="tickets.customer"
            )
            .annotate(customer_id=Cast("object_id", models.BigIntegerField()))
            .values("customer_id")
        )
        return self.filter(Q(created_by=user) | Q(pk__in=found))


def default_language():
    """A new customer's language: the site's (``LANGUAGE_CODE``), read when the row is made."""
    return settings.LANGUAGE_CODE


# The customer's personal fields (README, "Personal data"): encrypted in the audit trail
# with the customer's own key, masked for roles that may not see them, blanked on erasure.
CUSTOMER_PERSONAL_FIELDS = ("name", "phone", "email", "address")


class Customer(ChoiceLabelsMixin, models.Model):
    """A person or company served. ``phone`` is normalised (digits, optional +) and unique.

    Privacy: only what service needs is kept; ``customer_erase`` anonymises the PII
    in place (tickets stay, for the records' traceability).

    ``name_pinyin`` and ``name_initials`` are the name as an agent types it ("liuyang",
    "ly" for 刘洋, ``tickets.names``), derived from ``name`` on every save, so whatever
    writes the name (the services, the admin through them, a test factory) keeps them.
    """

    name = models.CharField(max_length=200, verbose_name=_("name"))
    name_pinyin = models.CharField(
        _("name in pinyin"), max_length=PINYIN_MAX_LENGTH, blank=True, default="", editable=False
    )
    name_initials = models.CharField(
        _("pinyin initials"),
        max_length=INITIALS_MAX_LENGTH,
        blank=True,
        default="",
        editable=False,
    )
    # Blank only for a customer who wrote an e-mail and was never given one (the e-mail
    # intake); unique otherwise (customer_phone_unique below).
    phone = models.CharField(max_length=32, blank=True, verbose_name=_("phone"))
    email = models.EmailField(blank=True, verbose_name=_("email"))
    address = models.CharField(max_length=400, blank=True, verbose_name=_("address"))
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("area"),
    )
    tier = models.CharField(
        max_length=16,
        choices=CustomerTier.choices,
        default=CustomerTier.STANDARD,
        verbose_name=_("customer tier"),
    )
    consent_service = models.BooleanField(
        default=True,
        help_text=_("May be contacted about service."),
        verbose_name=_("service contact consent"),
    )
    consent_marketing = models.BooleanField(default=False, verbose_name=_("marketing consent"))
    # The language of every message to this customer (notifications are rendered in it).
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=default_language,
    )
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erased at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # (name, id): the ticket list sorted by customer walks it in (name, customer) order.
        indexes = [
            models.Index(fields=["name", "id"], name="customer_name_id"),
            # The e-mail intake finds the sender by address, case-insensitively (iexact).
            models.Index(Upper("email"), name="customer_email_upper"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="customer_phone_unique"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.masked_phone})"

    def save(self, *args, **kwargs):
        self.name_pinyin, self.name_initials = name_keys(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class Product(models.Model):
    """A customer's registered unit; the warranty runs from the purchase date."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="products", verbose_name=_("customer")
    )
    model = models.ForeignKey(
        ProductModel,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("product model"),
    )
    serial_number = models.CharField(max_length=64, verbose_name=_("serial number"))
    purchase_date = models.DateField(verbose_name=_("purchase date"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(
                fields=["model", "serial_number"], name="product_unique_serial"
            ),
        ]
        indexes = [models.Index(fields=["serial_number"], name="product_serial")]

    def __str__(self):
        return f"{self.model.code} #{self.serial_number}"

    @property
    def warranty_until(self):
        return add_months(self.purchase_date, self.model.warranty_months)

    def in_warranty_on(self, day):
        return self.purchase_date <= day <= self.warranty_until

    @property
    def in_warranty(self):
        return self.in_warranty_on(timezone.localdate())

    @property
    def warranty_decision(self):
        """The warranty decision the unit's warranty implies today (triage's default)."""
        return (
            WarrantyDecision.IN_WARRANTY if self.in_warranty else WarrantyDecision.OUT_OF_WARRANTY
        )


# The ticket list's sort keys that are not plain columns (tickets.listing). Each is written
# once, here, so the expression indexes of Ticket.Meta and the queries are the same
# expression, which is what lets PostgreSQL read a sorted page off the index.
RESPONSE_RUNNING = Q(responded_at__isnull=True, cancelled_at__isnull=True)
DISPATCH_RUNNING = Q(
    dispatched_at__isnull=True, completed_at__isnull=True, cancelled_at__isnull=True
)
# A ticket whose clocks have all stopped sorts after every running one (a constant, not
# NULL, so a keyset comparison needs no NULL case).
NO_SLA_DUE = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)
# The next deadline of a running clock: the earlier of the two while nobody responded,
# then the dispatch deadline until the ticket is dispatched (paused clocks keep theirs).
SLA_DUE = Case(
    When(RESPONSE_RUNNING, then=Least("response_due_at", "dispatch_due_at")),
    When(DISPATCH_RUNNING, then=F("dispatch_due_at")),
    default=Value(NO_SLA_DUE),
    output_field=models.DateTimeField(),
)
# When a closed ticket's return visit is due; one closed before the due instant was
# recorded (migration 0011) has none and is due already (so: the beginning of time).
FOLLOW_UP_DUE = Coalesce(
    "follow_up_due_at",
    Value(datetime.datetime.min.replace(tzinfo=datetime.UTC)),
    output_field=models.DateTimeField(),
)
# The lifecycle's order (new … followed up, then cancelled), not the codes' alphabet.
STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(TicketStatus.values)),
    default=Value(len(TicketStatus.values)),
    output_field=models.PositiveSmallIntegerField(),
)


IS_OPEN = Q(status__in=OPEN_STATUSES)
# The column sort keys with a partial index over the open tickets, ``ticket_open_<name>_id``
# (the expression keys, status rank and SLA due, have theirs too).
OPEN_SORT_FIELDS = (
    ("created", "created_at"),
    ("updated", "updated_at"),
    ("response_due", "response_due_at"),
    ("dispatch_due", "dispatch_due_at"),
    ("priority", "priority"),
)


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user):
        """Rows the user may see: technicians their assigned jobs, integrators what they filed."""
        if user.is_superuser:
            return self
        roles = roles_of(user)
        if roles & {Role.AGENT, Role.SUPERVISOR, Role.AUDITOR}:
            return self
        visible = Q(pk__in=[])
        if Role.TECHNICIAN in roles:
            visible |= Q(technician__user=user)
        if Role.INTEGRATOR in roles:
            visible |= Q(created_by=user)
        if Role.OUTLET_DISPATCHER in roles:
            # The tickets dispatched to the outlets they dispatch for, and only those (one
            # row per ticket: the join is on this one user's membership).
            visible |= Q(outlet__dispatchers=user)
        return self.filter(visible)

    def with_related(self):
        """What the API representation reads. Each join costs planning time on every list
        request, so the product (an id in the API) is not joined here; see with_product()."""
        return self.select_related("customer", "customer__area", "area", "owner", "technician")

    def with_product(self):
        return self.select_related("product", "product__model")


class Ticket(ChoiceLabelsMixin, models.Model):
    """One service request, from intake to follow-up.

    ``status`` and ``version`` are written only by ``tickets.services.lifecycle`` with a
    compare-and-swap (id + expected status + version); every write bumps ``version``,
    which the API exposes as the ETag. ``owner`` is the first-contact owner (首问负责制)
    and changes only by ``ticket_transfer_owner``.
    """

    number = models.CharField(max_length=32, unique=True, verbose_name=_("ticket number"))
    status = models.CharField(
        max_length=32,
        choices=TicketStatus.choices,
        default=TicketStatus.NEW,
        verbose_name=_("status"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    # FKs whose lookups a composite index below already serves get no index of their own:
    # every extra index costs on each write and in the planner's time on each read.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("product"),
    )  # served by ticket_product_created
    # Where the service happens: the customer's area at intake, kept on the ticket so area
    # filters and dispatch need no join (and a later move doesn't rewrite history).
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("area"),
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, verbose_name=_("channel"))
    category = models.CharField(
        max_length=32, choices=TicketCategory.choices, verbose_name=_("category")
    )
    description = models.TextField(verbose_name=_("description"))
    fault_occurred_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("fault occurred at")
    )
    priority = models.CharField(
        max_length=4, choices=Priority.choices, default=Priority.P3, verbose_name=_("priority")
    )
    fault_class = models.CharField(
        max_length=16, choices=FaultClass.choices, blank=True, verbose_name=_("fault class")
    )
    warranty_decision = models.CharField(
        max_length=32,
        choices=WarrantyDecision.choices,
        blank=True,
        verbose_name=_("warranty decision"),
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_tickets",
        db_index=False,
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("created by"),
    )
    technician = models.ForeignKey(
        "technicians.Technician",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("technician"),
    )
    # The service outlet the ticket is dispatched to (its dispatcher assigns one of its
    # technicians); None while the centre's own dispatchers handle it.
    outlet = models.ForeignKey(
        "outlets.Outlet",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("outlet"),
    )
    # The one-way distance to the customer, which sets the call-out fee's zone (收费标准).
    travel_km = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("travel distance (km)"),
    )
    appointment_start = models.DateTimeField(
        null=True, blank=True, verbose_name=_("appointment start")
    )
    appointment_end = models.DateTimeField(null=True, blank=True, verbose_name=_("appointment end"))

    # On-site record and closure.
    fault_code = models.CharField(max_length=64, blank=True, verbose_name=_("fault code"))
    diagnosis = models.TextField(blank=True, verbose_name=_("diagnosis"))
    work_done = models.TextField(blank=True, verbose_name=_("work done"))
    test_passed = models.BooleanField(null=True, blank=True, verbose_name=_("test passed"))
    resolution = models.TextField(blank=True, verbose_name=_("resolution"))
    confirmation_signature = models.TextField(blank=True, verbose_name=_("confirmation signature"))
    confirmation_comment = models.TextField(blank=True, verbose_name=_("confirmation comment"))
    # How often the customer refused to confirm the work (the job was redone): written by
    # ``ticket_confirm`` with the rejection's timeline event, so the quality marks
    # (``selectors.first_time_fix_marks``) read a column instead of probing the timeline's
    # monthly partitions once per job.
    confirmations_refused = models.PositiveSmallIntegerField(
        default=0, db_default=0, verbose_name=_("confirmations refused")
    )
    # Whether another ticket for the same product was opened within ``REPEAT_WINDOW`` after
    # this job's completion (so it was no first-time fix; ``selectors.repeat_visit_probe``
    # is the definition). On PostgreSQL the triggers of migration 0035 keep it as tickets
    # are written, whatever writes them, in the writer's transaction under the product's
    # row lock, so the quality marks read a column instead of probing the product's
    # tickets once per job (most of the dispatch ranking's time); elsewhere the marks probe.
    repeat_visit = models.BooleanField(
        default=False, db_default=False, verbose_name=_("repeat visit")
    )
    satisfaction = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("satisfaction")
    )
    follow_up_satisfaction = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("follow-up satisfaction")
    )
    follow_up_comment = models.TextField(blank=True, verbose_name=_("follow-up comment"))
    cancel_reason = models.TextField(blank=True, verbose_name=_("cancel reason"))

    # SLA clock. Deadlines are stored (indexed for the sweep); the state is derived.
    sla_policy = models.ForeignKey(
        "tickets.SlaPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("SLA policy"),
    )
    # Working seconds spent paused so far: added to every target, so pauses are never lost.
    sla_paused_seconds = models.PositiveIntegerField(
        default=0, db_default=0, verbose_name=_("SLA paused (seconds)")
    )
    resolution_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("resolution due at")
    )
    # The return visit (回访) is due this long after closing (the policy's follow_up_days).
    follow_up_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("follow-up due at")
    )
    # When the sweep must next look at this ticket (a warning, breach or escalation
    # instant); None when nothing is pending. May be early, never late.
    next_sla_check_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("next SLA check at")
    )
    response_due_at = models.DateTimeField(verbose_name=_("response due at"))
    response_warn_at = models.DateTimeField(verbose_name=_("response warning at"))
    dispatch_due_at = models.DateTimeField(verbose_name=_("dispatch due at"))
    dispatch_warn_at = models.DateTimeField(verbose_name=_("dispatch warning at"))
    responded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("responded at"))
    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dispatched at"))
    sla_paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("SLA paused at"))
    escalation_level = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("escalation level")
    )

    # Stage timestamps.
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    triaged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("triaged at"))
    on_site_at = models.DateTimeField(null=True, blank=True, verbose_name=_("on site at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    followed_up_at = models.DateTimeField(null=True, blank=True, verbose_name=_("followed up at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_satisfaction__isnull=True)
                | Q(follow_up_satisfaction__gte=1, follow_up_satisfaction__lte=5),
                name="ticket_follow_up_satisfaction_1_5",
            ),
            models.CheckConstraint(
                condition=Q(appointment_start__isnull=True)
                | Q(appointment_end__gt=models.F("appointment_start")),
                name="ticket_appointment_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=3), name="ticket_escalation_level_0_3"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_created"),
            models.Index(fields=["area", "status", "-created_at"], name="ticket_area_status"),
            # An outlet's queue and its month of signed work orders (settlement).
            models.Index(
                fields=["outlet", "status", "-created_at"],
                name="ticket_outlet_status",
                condition=Q(outlet__isnull=False),
            ),
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_created"),
            models.Index(fields=["owner", "-created_at"], name="ticket_owner_created"),
            models.Index(
                fields=["technician", "appointment_start"], name="ticket_tech_appointment"
            ),
            # One day's bookings of every technician at once (the dispatch candidates'
            # jobs booked that day): a range of the day's appointments, counted from the
            # index alone, where 2,000 probes of the index above cost ten times as much.
            models.Index(
                fields=["appointment_start"],
                include=["technician", "status", "id"],
                name="ticket_appointment_day",
                condition=Q(appointment_start__isnull=False),
            ),
            # A product's service history, and "was there a repeat visit within 30 days?"
            # (first-time fix) probed by range, without reading the rows.
            models.Index(fields=["product", "created_at"], name="ticket_product_created"),
            # Technician performance and dispatch ranking: a technician's jobs completed in
            # a period, without reading their whole history.
            models.Index(
                fields=["technician", "completed_at"],
                name="ticket_tech_completed",
                condition=Q(completed_at__isnull=False),
            ),
            models.Index(fields=["created_by", "-created_at"], name="ticket_creator_created"),
            # The sweep: only tickets with something pending are in this index.
            models.Index(
                fields=["next_sla_check_at"],
                name="ticket_sla_check",
                condition=Q(next_sla_check_at__isnull=False),
            ),
            # The tickets completed in a period (the cost report, tickets.costs).
            models.Index(
                fields=["completed_at"],
                name="ticket_completed_at",
                condition=Q(completed_at__isnull=False),
            ),
            # "Closed today" on the dashboard; most rows of an old table are closed, few today.
            models.Index(
                fields=["closed_at"], name="ticket_closed_at", condition=Q(closed_at__isnull=False)
            ),
            # The list's sort keys (tickets.listing), each with the id that breaks its ties,
            # so a keyset page is an index range however deep it is.
            models.Index(fields=["priority", "id"], name="ticket_priority_id"),
            models.Index(STATUS_RANK, F("id"), name="ticket_status_rank_id"),
            models.Index(SLA_DUE, F("id"), name="ticket_sla_due_id"),
            models.Index(fields=["owner", "id"], name="ticket_owner_id"),
            # Queues in every order (issue 19): the open tickets are a few thousand of a
            # million and mostly the newest, so an ascending sort (oldest first, earliest
            # due, P1 first) over the whole-table index walks past the closed rows before it
            # finds one open. These hold the open rows only, one per sort key the API's
            # ``ordering`` and the queue's ``sort`` offer, each with the id as tie-breaker.
            *(
                models.Index(fields=[field, "id"], name=f"ticket_open_{name}_id", condition=IS_OPEN)
                for name, field in OPEN_SORT_FIELDS
            ),
            models.Index(
                STATUS_RANK, F("id"), name="ticket_open_status_rank_id", condition=IS_OPEN
            ),
            models.Index(SLA_DUE, F("id"), name="ticket_open_sla_due_id", condition=IS_OPEN),
            # "My open tickets", counted on every list page: the few open rows per owner.
            models.Index(
                fields=["owner"], name="ticket_open_owner", condition=Q(status__in=OPEN_STATUSES)
            ),
            # The control room's lists of open escalations and open complaints (the few
            # open rows of each, not a filter over every open ticket on every poll).
            models.Index(
                fields=["-escalation_level"],
                name="ticket_open_escalated",
                condition=Q(status__in=OPEN_STATUSES, escalation_level__gt=0),
            ),
            models.Index(
                fields=["created_at"],
                name="ticket_open_complaints",
                condition=Q(status__in=OPEN_STATUSES, category=TicketCategory.COMPLAINT),
            ),
            # The dispatch board's waiting list: triaged tickets nobody is sent to yet, by
            # dispatch deadline (a few thousand rows of a million, read 50 at a time).
            models.Index(
                fields=["dispatch_due_at", "id"],
                name="ticket_awaiting_dispatch",
                condition=Q(status=TicketStatus.TRIAGED, technician__isnull=True),
            ),
            # Return visits owed (the list's "follow-ups due"): closed tickets only.
            models.Index(
                FOLLOW_UP_DUE, name="ticket_follow_up_due", condition=Q(status=TicketStatus.CLOSED)
            ),
            # The KPI rollups' refresh: the tickets written since its last run (tickets.rollups).
            models.Index(fields=["updated_at"], name="ticket_updated_at"),
        ]

    def __str__(self):
        return self.number

    @property
    def response_clock(self):
        """Stops at the first response (triage, contact, dispatch, remote fix) or cancel."""
        return sla.Clock(
            due_at=self.response_due_at,
            warn_at=self.response_warn_at,
            stopped_at=self.responded_at or self.cancelled_at,
        )

    @property
    def dispatch_clock(self):
        """Stops at dispatch, or when the ticket ends without one (remote fix, cancel)."""
        return sla.Clock(
            due_at=self.dispatch_due_at,
            warn_at=self.dispatch_warn_at,
            stopped_at=self.dispatched_at or self.completed_at or self.cancelled_at,
        )

    def sla_state(self, now=None):
        now = sla.effective_now(now or timezone.now(), self.sla_paused_at)
        return sla.overall_state([self.response_clock, self.dispatch_clock], now)

    def sla_countdown(self, now=None):
        """The SLA badge's reading (``tickets.sla.countdown``): state, clock, time left."""
        return sla.countdown(
            {"response": self.response_clock, "dispatch": self.dispatch_clock},
            now or timezone.now(),
            self.sla_paused_at,
        )


class TicketEvent(ChoiceLabelsMixin, models.Model):
    """One entry of a ticket's timeline: a transition, a contact, an SLA mark, a notification.

    Written by the services in the same transaction as the change. ``payload`` holds
    the raw input values (codes, ids), never translated text.
    """

    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        verbose_name=_("ticket"),
    )  # served by ticketevent_ticket_time
    kind = models.CharField(max_length=32, choices=EventKind.choices, verbose_name=_("kind"))
    action = models.CharField(max_length=32, blank=True, verbose_name=_("action"))
    from_status = models.CharField(
        max_length=32, choices=TicketStatus.choices, blank=True, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=32, choices=TicketStatus.choices, blank=True, verbose_name=_("to status")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="ticketevent_ticket_time"),
            models.Index(fields=["kind", "created_at"], name="ticketevent_kind_time"),
            # Confirmations the customer refused (the job is redone): rare, so tiny, and
            # first-time fix asks it for every job.
            models.Index(
                fields=["ticket"],
                name="ticketevent_rejections",
                condition=Q(action="confirm", to_status="triaged"),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.action}"


class TicketNumberSequence(models.Model):
    """Per-year counter behind the human ticket numbers (AS-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last_value = models.PositiveIntegerField(default=0, verbose_name=_("last number issued"))

    class Meta:
        verbose_name = _("ticket number sequence")
        verbose_name_plural = _("ticket number sequences")

    def __str__(self):
        return f"{self.year}: {self.last_value}"
