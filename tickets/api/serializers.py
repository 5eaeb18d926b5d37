"""REST adapter of the tickets app: input validation and output shapes, no rules."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from aftersales.api.fields import DateField, DateTimeField
from aftersales.api.files import UploadField
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.platform.models import (
    Notification,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
)
from aftersales.roles import DESK_ROLES
from aftersales.text import is_digits
from aftersales.uploads import TICKET_ATTACHMENT
from parts.api.serializers import PartReserveLineSerializer, PartUsedLineSerializer
from technicians.models import Technician

from .. import sla
from ..choices import (
    Channel,
    ContactVia,
    CustomerTier,
    FaultClass,
    Priority,
    SlaState,
    TicketCategory,
    WarrantyDecision,
)
from ..knowledge.models import ArticleVersion
from ..models import (
    Area,
    Customer,
    Product,
    ProductCategory,
    ProductModel,
    Ticket,
    TicketAttachment,
    TicketEvent,
)
from ..presenters import PiiReads, customer_phone, message_address
from ..selectors import customer_details_visible, customer_list
from ..services import ticket_allowed_actions
from ..validators import validate_signature


def _user(serializer):
    return serializer.context["request"].user


def _pii_reads(serializer):
    """Where the view collects what this response shows unmasked (it records them)."""
    return serializer.context.setdefault("pii_reads", PiiReads())


# --- Reference data ----------------------------------------------------------------------


class AreaSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "code", "name"]


class ProductCategorySerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = ProductCategory
        fields = ["id", "code", "name"]


class ProductModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductCategory.objects.all()
    )

    class Meta:
        model = ProductModel
        fields = ["id", "code", "name", "category", "warranty_months"]


# --- Customers and products --------------------------------------------------------------


class CustomerSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), required=False, allow_null=True
    )
    phone = serializers.CharField(
        max_length=32,
        help_text="Mobile, landline with area code, or +<country code> for other countries; "
        "stored normalised (13800138000, 01012345678, +442079460958).",
    )
    tier = serializers.ChoiceField(choices=CustomerTier.choices, required=False)
    erased = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "address",
            "area",
            "tier",
            "consent_service",
            "consent_marketing",
            "language",
            "erased",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_erased(self, obj) -> bool:
        return obj.erased_at is not None

    def to_representation(self, instance):
        user = _user(self)
        if user is not None and not customer_details_visible(user, instance):
            # An integrator's view of a customer it did not register: existence and id.
            return {"id": instance.pk, "exists": True}
        data = super().to_representation(instance)
        data["phone"], _unmasked = customer_phone(
            user=user, customer=instance, reads=_pii_reads(self)
        )
        return data


class CustomerLookupSerializer(serializers.Serializer):
    """The integrators' answer to ``GET /customers/?phone=``: the customer exists, and the
    id to file a ticket with; never who they are."""

    id = serializers.IntegerField(read_only=True)
    exists = serializers.BooleanField(read_only=True)


class CustomerEraseInputSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CustomerConsentInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """Which consent the customer withdraws (at least one)."""

    service = serializers.BooleanField(
        default=False, help_text="Withdraw consent to service contact (dispatch notices)."
    )
    marketing = serializers.BooleanField(
        default=False, help_text="Withdraw consent to marketing messages."
    )

    def validate(self, attrs):
        if not (attrs["service"] or attrs["marketing"]):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Name the consent to withdraw: service and/or marketing.")]}
            )
        return attrs


class ProductSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    model = serializers.CharField(
        help_text="Product model code or id.", write_only=True, max_length=64
    )
    model_code = serializers.CharField(source="model.code", read_only=True)
    warranty_until = serializers.DateField(read_only=True)
    in_warranty = serializers.BooleanField(read_only=True)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())

    class Meta:
        model = Product
        fields = [
            "id",
            "customer",
            "model",
            "model_code",
            "serial_number",
            "purchase_date",
            "warranty_until",
            "in_warranty",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        validators = []  # the service reports a duplicate serial with a clear field error

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "request" in self.context:
            self.fields["customer"].queryset = customer_list(user=_user(self))

    def validate_model(self, value):
        query = ProductModel.objects.filter(code=value)
        if is_digits(value):
            query = ProductModel.objects.filter(pk=int(value)) | query
        model = query.select_related("category").first()
        if model is None:
            raise serializers.ValidationError("Unknown product model.")
        return model

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["model"] = instance.model.code
        return data


# --- Tickets -----------------------------------------------------------------------------


class TicketSlaSerializer(serializers.Serializer):
    response_due_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    response_breached = serializers.BooleanField()
    dispatch_due_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField(allow_null=True)
    dispatch_breached = serializers.BooleanField()
    state = serializers.ChoiceField(choices=SlaState.choices)
    escalation_level = serializers.IntegerField(min_value=0, max_value=3)
    paused = serializers.BooleanField()


class TicketCustomerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    area = serializers.CharField(allow_null=True)
    tier = serializers.CharField(help_text="Blank where the caller may not see the details.")


class TicketSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The ticket as integrators and pages read it; every field is read-only here."""

    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    area = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The service area, recorded at intake."
    )
    owner_name = serializers.CharField(source="owner.get_username", read_only=True)
    technician_name = serializers.CharField(
        source="technician.full_name", read_only=True, default=None
    )
    customer_summary = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    signed = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "status",
            "version",
            "owner",
            "owner_name",
            "customer",
            "customer_summary",
            "product",
            "area",
            "channel",
            "category",
            "description",
            "fault_occurred_at",
            "priority",
            "fault_class",
            "warranty_decision",
            "technician",
            "technician_name",
            # The service outlet it is sent to (its dispatcher assigns the technician).
            "outlet",
            "appointment_start",
            "appointment_end",
            "fault_code",
            "diagnosis",
            "work_done",
            "test_passed",
            "resolution",
            "signed",
            "confirmation_comment",
            "satisfaction",
            "follow_up_satisfaction",
            "follow_up_comment",
            "cancel_reason",
            "created_at",
            "updated_at",
            "triaged_at",
            "on_site_at",
            "completed_at",
            "closed_at",
            "followed_up_at",
            "cancelled_at",
            "sla",
            "allowed_actions",
        ]
        read_only_fields = fields

    # Copied as they are: strings, numbers, booleans, None.
    PLAIN = frozenset({
        "id", "number", "status", "version", "channel", "category", "description", "priority",
        "fault_class", "warranty_decision", "fault_code", "diagnosis", "work_done",
        "test_passed", "resolution", "confirmation_comment", "satisfaction",
        "follow_up_satisfaction", "follow_up_comment", "cancel_reason",
    })  # fmt: skip
    DATETIMES = frozenset({
        "fault_occurred_at", "appointment_start", "appointment_end", "created_at",
        "updated_at", "triaged_at", "on_site_at", "completed_at", "closed_at",
        "followed_up_at", "cancelled_at",
    })  # fmt: skip

    def to_representation(self, ticket):
        """The same dict the declared fields give, built without DRF's per-field machinery.

        A 50-ticket page spends most of its time there otherwise (bench/README.md);
        ``test_ticket_serializer_fast_path_equals_drf_fields`` keeps both outputs equal.
        """
        tz = timezone.get_current_timezone()
        data = {}
        for name in self.Meta.fields:
            if name in self.PLAIN:
                data[name] = getattr(ticket, name)
            elif name in self.DATETIMES:
                data[name] = _dt(getattr(ticket, name), tz)
            elif name in ("owner", "customer", "product", "technician", "outlet"):
                data[name] = getattr(ticket, f"{name}_id")
            elif name == "area":
                data[name] = ticket.area.code if ticket.area_id else None
            elif name == "owner_name":
                data[name] = ticket.owner.get_username()
            elif name == "technician_name":
                data[name] = ticket.technician.full_name if ticket.technician_id else None
            else:
                data[name] = getattr(self, f"get_{name}")(ticket)
        return data

    @extend_schema_field(TicketCustomerSummarySerializer)
    def get_customer_summary(self, ticket):
        customer = ticket.customer
        phone, _unmasked = customer_phone(
            user=_user(self), customer=customer, ticket=ticket, reads=_pii_reads(self)
        )
        details = customer_details_visible(_user(self), customer)
        return {
            "id": customer.pk,
            "name": customer.name if details else "",
            "phone": phone,
            "address": customer.address if details else "",
            # Who the customer is, where they live and whether they are a VIP are the
            # record's, not the integrator's who only knows the number (ticket `area` is the
            # ticket's own routing).
            "area": customer.area.code if details and customer.area else None,
            "tier": customer.tier if details else "",
        }

    @extend_schema_field(TicketSlaSerializer)
    def get_sla(self, ticket):
        now = sla.effective_now(self.context.get("now") or timezone.now(), ticket.sla_paused_at)
        tz = timezone.get_current_timezone()
        return {
            "response_due_at": _dt(ticket.response_due_at, tz),
            "responded_at": _dt(ticket.responded_at, tz),
            "response_breached": ticket.response_clock.breached(now),
            "dispatch_due_at": _dt(ticket.dispatch_due_at, tz),
            "dispatched_at": _dt(ticket.dispatched_at, tz),
            "dispatch_breached": ticket.dispatch_clock.breached(now),
            "state": sla.overall_state([ticket.response_clock, ticket.dispatch_clock], now),
            "escalation_level": ticket.escalation_level,
            "paused": ticket.sla_paused_at is not None,
        }

    def get_signed(self, ticket) -> bool:
        return bool(ticket.confirmation_signature)

    def get_allowed_actions(self, ticket) -> list[str]:
        return ticket_allowed_actions(ticket=ticket, actor=_user(self))


def _dt(value, tz):
    """DRF's ISO 8601 form of an aware datetime in the current time zone ('Z' for UTC)."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class TicketIntakeCustomerSerializer(StrictFieldsMixin, serializers.Serializer):
    """An integrator's customer, inline: matched by normalised phone, registered when new.
    A known customer's record is kept; details that differ are recorded for the desk."""

    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(
        max_length=32,
        help_text="Mobile, landline with area code, or +<country code> for other countries.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    address = serializers.CharField(required=False, allow_blank=True, max_length=400)
    area = serializers.SlugRelatedField(
        slug_field="code", queryset=Area.objects.all(), required=False, allow_null=True
    )


class TicketIntakeProductSerializer(StrictFieldsMixin, serializers.Serializer):
    """The unit, inline: matched by model and serial (it must be the customer's), registered
    when new (then ``purchase_date`` is needed)."""

    model = serializers.CharField(max_length=64, help_text="Product model code or id.")
    serial_number = serializers.CharField(max_length=64)
    purchase_date = DateField(required=False, allow_null=True)

    def validate_model(self, value):
        return ProductSerializer.validate_model(self, value)


class IdOrDetailsField(serializers.Field):
    """A related row given by id (one the caller may use) or by its details inline (an
    object for ``details_serializer``). Validates to the instance or the details' dict."""

    default_error_messages = {
        "invalid": _("Give an id or an object with the details."),
    }

    def __init__(self, *, details_serializer, id_help, **kwargs):
        self.details_serializer = details_serializer
        self.id_help = id_help
        self.by_id = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.none())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            details = self.details_serializer(data=data, context=self.context)
            if not details.is_valid():
                raise serializers.ValidationError(details.errors)
            return dict(details.validated_data)
        if isinstance(data, (list, bool, float)) or data is None:
            self.fail("invalid")
        return self.by_id.to_internal_value(data)

    def to_representation(self, value):
        return value.pk


class IdOrDetailsFieldSchema(OpenApiSerializerFieldExtension):
    """The schema says what the field takes: ``oneOf`` an integer id or the details object
    (its own component, e.g. ``TicketIntakeCustomerRequest``)."""

    target_class = IdOrDetailsField

    def map_serializer_field(self, auto_schema, direction):
        component = auto_schema.resolve_serializer(self.target.details_serializer, direction)
        return {
            "oneOf": [
                {"type": "integer", "description": self.target.id_help},
                component.ref,
            ]
        }


class TicketCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A new ticket (``ticket_intake``). ``customer`` and ``product`` are ids, or objects
    with the details: the customer matched by normalised phone (registered when new; a
    known customer's record is kept), the unit by model and serial (registered when new)."""

    customer = IdOrDetailsField(
        details_serializer=TicketIntakeCustomerSerializer,
        id_help="A customer the caller may file for (an integrator: one it registered or "
        "found by full phone number).",
    )
    product = IdOrDetailsField(
        details_serializer=TicketIntakeProductSerializer,
        id_help="One of the customer's registered units.",
        required=False,
        allow_null=True,
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=TicketCategory.choices)
    description = serializers.CharField(max_length=5000)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    fault_occurred_at = serializers.DateTimeField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "request" not in self.context:  # schema generation
            return
        # With its area, for the response; an integrator may file for a customer it found.
        customers = customer_list(user=_user(self), for_filing=True)
        self.fields["customer"].by_id.queryset = customers
        self.fields["product"].by_id.queryset = Product.objects.filter(
            customer__in=customers.values("pk")
        )

    def validate(self, attrs):
        """In ``ticket_intake``'s terms: ``customer``/``product`` for rows given by id,
        ``customer_details``/``product_details`` for inline ones."""
        if isinstance(attrs.get("customer"), dict):
            attrs["customer_details"] = attrs.pop("customer")
        if isinstance(attrs.get("product"), dict):
            attrs["product_details"] = attrs.pop("product")
        return attrs


class TicketUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    represented_by = TicketSerializer
    description = serializers.CharField(max_length=5000, required=False)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False)
    fault_occurred_at = serializers.DateTimeField(required=False, allow_null=True)


class TicketTriageSerializer(StrictFieldsMixin, serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = serializers.ChoiceField(choices=TicketCategory.choices, required=False)
    fault_class = serializers.ChoiceField(choices=FaultClass.choices, required=False)
    warranty_decision = serializers.ChoiceField(
        choices=WarrantyDecision.choices,
        required=False,
        help_text="Omit for the derived decision (GET /tickets/{id}/warranty/); goodwill "
        "needs a supervisor and goodwill_reason; another differing decision is refused.",
    )
    part_group = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="The fault's part group code."
    )
    goodwill_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TicketContactSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    via = serializers.ChoiceField(choices=ContactVia.choices)


class TicketReasonSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class _AppointmentSerializer(StrictFieldsMixin, serializers.Serializer):
    appointment_start = serializers.DateTimeField()
    appointment_end = serializers.DateTimeField()

    def validate(self, attrs):
        if attrs["appointment_end"] <= attrs["appointment_start"]:
            raise serializers.ValidationError(
                {"appointment_end": ["The appointment must end after it starts."]}
            )
        return attrs


class TicketDispatchSerializer(_AppointmentSerializer):
    technician = serializers.PrimaryKeyRelatedField(queryset=Technician.objects.all())
    parts = PartReserveLineSerializer(many=True, required=False, help_text="Parts to reserve.")


class TicketRescheduleSerializer(_AppointmentSerializer):
    technician = serializers.PrimaryKeyRelatedField(
        queryset=Technician.objects.all(), required=False
    )
    reason = serializers.CharField(max_length=2000)


class TicketCheckInSerializer(StrictFieldsMixin, serializers.Serializer):
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)


class TicketCompleteSerializer(StrictFieldsMixin, serializers.Serializer):
    fault_class = serializers.ChoiceField(choices=FaultClass.choices)
    fault_code = serializers.CharField(max_length=64)
    diagnosis = serializers.CharField(max_length=5000)
    work_done = serializers.CharField(max_length=5000)
    test_passed = serializers.BooleanField()
    parts_used = PartUsedLineSerializer(many=True, required=False)


class TicketResolveRemotelySerializer(StrictFieldsMixin, serializers.Serializer):
    resolution = serializers.CharField(max_length=5000)
    # The published knowledge-article version that guided the customer (tickets.knowledge).
    article = serializers.PrimaryKeyRelatedField(
        queryset=ArticleVersion.objects.filter(published=True), required=False, allow_null=True
    )


class TicketConfirmSerializer(StrictFieldsMixin, serializers.Serializer):
    accepted = serializers.BooleanField()
    signature = serializers.CharField(
        required=False,
        allow_blank=True,
        validators=[validate_signature],
        help_text="The customer's signature as a PNG or JPEG data URL.",
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True
    )


class TicketFollowUpSerializer(StrictFieldsMixin, serializers.Serializer):
    """The return visit: the survey's ``answers`` (question key → rating 1–5, yes/no or
    text, under the active template: ``GET /survey-templates/?status=active``), or the
    overall ``satisfaction`` alone."""

    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False)
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Question key → answer: an integer 1–5, true/false or text.",
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    via = serializers.ChoiceField(choices=ContactVia.choices)

    def validate(self, attrs):
        if attrs.get("satisfaction") is None and attrs.get("answers") is None:
            raise serializers.ValidationError(
                {"satisfaction": ["Give the answers, or the overall satisfaction 1–5."]}
            )
        return attrs


class TicketTransferOwnerSerializer(StrictFieldsMixin, serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none())
    reason = serializers.CharField(max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only active desk users can own a ticket; anyone else is an unknown id here.
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True, groups__name__in=DESK_ROLES).distinct()
        )


class TicketEventSerializer(serializers.ModelSerializer):
    # Null for what the system did (SLA clocks, a ticket linked to an incident on arrival).
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "kind",
            "action",
            "from_status",
            "to_status",
            "actor",
            "payload",
            "created_at",
        ]
        read_only_fields = fields


class TicketNotificationSerializer(serializers.ModelSerializer):
    """One message of the ticket's communication log (the context's ``ticket``); phone
    numbers as ``presenters.message_address`` lets the reader see them."""

    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    channel = serializers.ChoiceField(choices=NotificationChannel.choices, read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    status = serializers.ChoiceField(choices=NotificationStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    recipient = serializers.CharField(source="recipient_name", read_only=True)
    address = serializers.SerializerMethodField()
    last_error = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "uuid",
            "kind",
            "kind_label",
            "channel",
            "channel_label",
            "recipient",
            "address",
            "status",
            "status_label",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields

    def get_address(self, obj) -> str:
        return message_address(
            user=_user(self),
            notification=obj,
            ticket=self.context["ticket"],
            reads=_pii_reads(self),
        )


class CandidateTechnicianSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    employee_no = serializers.CharField()


class DispatchCandidateSerializer(serializers.Serializer):
    technician = CandidateTechnicianSerializer()
    eligible = serializers.BooleanField()
    rank = serializers.IntegerField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class DispatchCandidatesQuerySerializer(serializers.Serializer):
    date = DateField(required=False)


class DashboardOpenSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_priority = serializers.DictField(child=serializers.IntegerField())
    at_risk = serializers.IntegerField()
    breached = serializers.IntegerField()
    escalated = serializers.IntegerField()
    paused = serializers.IntegerField()


class DashboardTodaySerializer(serializers.Serializer):
    opened = serializers.IntegerField()
    closed = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    open = DashboardOpenSerializer()
    today = DashboardTodaySerializer()


class SlaRatesQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword, so the fields are declared through the class namespace.
    vars()["from"] = DateTimeField()
    vars()["to"] = DateTimeField()


class SlaClockRateSerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    met = serializers.IntegerField()
    met_pct = serializers.FloatField(allow_null=True)


class SlaRatesSerializer(serializers.Serializer):
    tickets = serializers.IntegerField()
    response = SlaClockRateSerializer()
    dispatch = SlaClockRateSerializer()


class TicketAttachmentSerializer(serializers.ModelSerializer):
    """A photo or document of a ticket; ``file_url``/``thumbnail_url`` are the API's
    download endpoints, which check who may see the ticket (never a public media URL)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = [
            "id",
            "kind",
            "kind_label",
            "original_name",
            "content_type",
            "size",
            "caption",
            "uploaded_by",
            "created_at",
            "file_url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def _url(self, name, attachment):
        return reverse(
            name, args=[attachment.ticket_id, attachment.pk], request=self.context.get("request")
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_file_url(self, attachment):
        return self._url("ticket-attachment-api-file", attachment)

    @extend_schema_field(serializers.URLField(allow_null=True))  # a document has none
    def get_thumbnail_url(self, attachment):
        if not attachment.thumbnail:
            return None
        return self._url("ticket-attachment-api-thumbnail", attachment)


class TicketAttachmentUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    """``POST /tickets/{id}/attachments/`` (multipart): the file and an optional caption."""

    file = UploadField(kind=TICKET_ATTACHMENT)
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
