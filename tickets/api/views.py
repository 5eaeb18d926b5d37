"""REST adapter of the tickets app: selectors in, services out, nothing else."""

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.actions import service_action
from aftersales.api.concurrency import etag, expected_version
from aftersales.api.files import FILE_RESPONSE, file_response
from aftersales.api.pagination import CursorPagination
from aftersales.api.renderers import PdfRenderer
from aftersales.platform.api.idempotency import IDEMPOTENCY_KEY, IdempotentCreateMixin
from aftersales.platform.selectors import ticket_notifications
from aftersales.roles import Role, has_role
from technicians.selectors import dispatch_candidates

from .. import services
from ..choices import TRANSITIONS
from ..exports import customer_export_pdf
from ..filtersets import CustomerFilterSet, TicketFilterSet
from ..models import (
    Area,
    Customer,
    Product,
    ProductCategory,
    ProductModel,
    Ticket,
    TicketAttachment,
)
from ..presenters import PiiReads, pii_reads_record
from ..selectors import (
    customer_list,
    dashboard_summary,
    product_list,
    sla_met_rates,
    ticket_events,
    ticket_list,
)
from . import serializers as s

DESK = (Role.AGENT, Role.SUPERVISOR)
INTAKE = (Role.AGENT, Role.SUPERVISOR, Role.INTEGRATOR)
ATTACHMENT_ACTIONS = ("attachments", "attachment_upload", "attachment_file", "attachment_thumbnail")
ATTACHMENT_ID = OpenApiParameter(
    "attachment_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The attachment's id."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    # What ``aftersales.api.concurrency.expected_version`` takes.
    {"type": "string", "pattern": r'^(\*|(W/)?"[0-9]{1,10}"|[0-9]{1,10})$'},
    OpenApiParameter.HEADER,
    description='The ticket version last read (7 or "7"); a stale one gets 409 stale_version.',
)


class PiiReadsMixin:
    """Records the personal data the response showed unmasked (``tickets.presenters``):
    serializers note it in the context, the view records it once the response is built."""

    @cached_property
    def pii_reads(self):
        return PiiReads()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "pii_reads": self.pii_reads}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        pii_reads_record(actor=request.user, reads=self.pii_reads)
        return response


class ReferenceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reference data: every role reads, supervisors add — through the same service as
    the admin (``reference_create``)."""

    write_roles = (Role.SUPERVISOR,)
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    reference_create = None

    def perform_create(self, serializer):
        serializer.instance = type(self).reference_create(
            actor=self.request.user, **serializer.validated_data
        )


class AreaViewSet(ReferenceViewSet):
    queryset = Area.objects.all()
    serializer_class = s.AreaSerializer
    reference_create = staticmethod(services.area_create)


class ProductCategoryViewSet(ReferenceViewSet):
    queryset = ProductCategory.objects.all()
    serializer_class = s.ProductCategorySerializer
    reference_create = staticmethod(services.product_category_create)


class ProductModelViewSet(ReferenceViewSet):
    queryset = ProductModel.objects.select_related("category")
    serializer_class = s.ProductModelSerializer
    reference_create = staticmethod(services.product_model_create)
    filterset_fields = ["category__code"]


class PdfExportRenderer(PdfRenderer):
    """``?format=pdf`` on the customer export: the readable PDF of the same data."""

    def render_file(self, data):
        return customer_export_pdf(data)


class CustomerViewSet(
    PiiReadsMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Customer.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = s.CustomerSerializer
    filterset_class = CustomerFilterSet
    read_roles = (*DESK, Role.AUDITOR, Role.TECHNICIAN, Role.INTEGRATOR)
    action_roles = {
        "create": INTAKE,
        "update": DESK,
        "partial_update": DESK,
        "erase": (Role.SUPERVISOR,),
        "export": (Role.SUPERVISOR,),
        "consent": DESK,
    }
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return customer_list(user=self.request.user)

    @extend_schema(
        description=(
            "Customers the caller may read. For an integrator, `?phone=` is a lookup: "
            'each match is `{"id", "exists": true}` (the id files a ticket), never the '
            "customer's details."
        )
    )
    def list(self, request, *args, **kwargs):
        phone = request.query_params.get("phone")
        if (
            phone
            and has_role(request.user, Role.INTEGRATOR)
            and not has_role(request.user, *DESK, Role.AUDITOR)
        ):
            found = services.customer_lookup(actor=request.user, phone=phone)
            page = self.paginate_queryset(found)
            rows = s.CustomerLookupSerializer(
                [{"id": c.pk, "exists": True} for c in page], many=True
            ).data
            return self.get_paginated_response(rows)
        return super().list(request, *args, **kwargs)

    create_service = staticmethod(services.customer_create)

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(
            customer=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=s.CustomerEraseInputSerializer, responses=s.CustomerSerializer)
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        """Privacy erasure: PII anonymised, tickets kept, audit event written."""
        customer = self.get_object()
        data = s.CustomerEraseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_erase(
            customer=customer, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(customer).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "pdf"], description="pdf: readable")
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, PdfExportRenderer],
    )
    def export(self, request, pk=None):
        """The right of access: everything held about the customer — the customer,
        products, tickets and their timelines, messages sent, audit events decrypted — as
        JSON or (``?format=pdf``) a readable PDF. Supervisors; audited ``customer.exported``."""
        customer = self.get_object()
        fmt = request.accepted_renderer.format
        data = services.customer_export(customer=customer, actor=request.user, fmt=fmt)
        response = Response(data)
        if fmt == "pdf":
            name = f"customer-{customer.pk}.pdf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(request=s.CustomerConsentInputSerializer, responses=s.CustomerSerializer)
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        """Consent withdrawal: ``service`` and/or ``marketing``; no message of that kind is
        sent from now on (pending ones are cancelled). Desk roles; audited."""
        customer = self.get_object()
        data = s.CustomerConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.customer_consent_withdraw(
            customer=customer, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(customer).data)


class ProductViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Product.objects.none()
    serializer_class = s.ProductSerializer
    read_roles = (*DESK, Role.AUDITOR, Role.TECHNICIAN, Role.INTEGRATOR)
    write_roles = INTAKE
    filterset_fields = ["customer", "serial_number"]
    search_fields = ["serial_number"]

    def get_queryset(self):
        return product_list(user=self.request.user)

    create_service = staticmethod(services.product_register)


# ``dispatch`` is APIView's request entry point, so that action's method has another name.
METHOD_NAMES = {"dispatch": "dispatch_ticket"}


def _ticket_action(input_serializer, service, *, summary):
    """One ``POST /tickets/{id}/<action>/`` endpoint (``aftersales.api.actions``): the
    ``If-Match`` version goes to the service, the answer carries the new ``ETag``."""
    name = service.__name__.removeprefix("ticket_")
    return service_action(
        service,
        subject="ticket",
        name=name,
        input=input_serializer,
        output=s.TicketSerializer,
        respond=lambda view, ticket: view.ticket_response(ticket),
        extra=lambda request: {"expected_version": expected_version(request)},
        method_name=METHOD_NAMES.get(name),
        summary=summary,
        parameters=[IF_MATCH],
    )


@extend_schema_view(
    create=extend_schema(
        request=s.TicketCreateSerializer,
        responses={201: s.TicketSerializer},
        parameters=[IDEMPOTENCY_KEY],  # create is overridden below: declare it again
    ),
    partial_update=extend_schema(
        request=s.TicketUpdateSerializer, responses=s.TicketSerializer, parameters=[IF_MATCH]
    ),
)
class TicketViewSet(
    PiiReadsMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets: intake, lists, the timeline, and one POST endpoint per lifecycle action."""

    queryset = Ticket.objects.none()
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilterSet
    pagination_class = CursorPagination
    ordering_fields = ["created_at", "updated_at", "response_due_at", "dispatch_due_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_roles = {
        **{METHOD_NAMES.get(name, name): rule.roles for name, rule in TRANSITIONS.items()},
        "create": INTAKE,
        "partial_update": DESK,
        # An outlet dispatcher: on their outlets' tickets, its technicians (the queryset
        # and ``dispatch_candidates`` limit both).
        "dispatch_candidates": (*DESK, Role.OUTLET_DISPATCHER),
        # Who may add is the service's rule (the desk, the assigned technician on an open job).
        "attachment_upload": (Role.AGENT, Role.SUPERVISOR, Role.TECHNICIAN),
    }

    def get_queryset(self):
        if self.action in ("events", "notifications", *ATTACHMENT_ACTIONS):
            # Only the visibility check (and the technician, for "assigned to them").
            return Ticket.objects.visible_to(self.request.user).select_related("technician")
        if self.action == "dispatch_candidates":
            return Ticket.objects.visible_to(self.request.user)
        return ticket_list(user=self.request.user)

    def filter_queryset(self, queryset):
        # Detail and action requests look a ticket up by id; list filters don't apply there.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def ticket_response(self, ticket, status_code=status.HTTP_200_OK):
        response = Response(self.get_serializer(ticket).data, status=status_code)
        response["ETag"] = etag(ticket.version)
        return response

    def retrieve(self, request, *args, **kwargs):
        return self.ticket_response(self.get_object())

    def create_response(self, request):
        serializer = s.TicketCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        # The customer came from the serializer's queryset with its area, the owner is the
        # actor: everything the representation reads is already loaded.
        data = serializer.validated_data
        try:
            ticket = services.ticket_intake(actor=request.user, **data)
        except services.IntakeRejected as exc:
            if f"{exc.part}_details" not in data:
                raise
            # The inline object's own field errors, nested: {"customer": {"phone": […]}}.
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
            else:
                errors = {"non_field_errors": exc.messages}
            raise ValidationError({exc.part: errors}) from exc
        return status.HTTP_201_CREATED, self.get_serializer(ticket).data

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if response.status_code == status.HTTP_201_CREATED:
            response["ETag"] = etag(response.data["version"])
            response["Location"] = f"{request.path}{response.data['id']}/"
        return response

    def partial_update(self, request, pk=None):
        ticket = self.get_object()
        version = expected_version(request)
        data = s.TicketUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_update(
            ticket=ticket, actor=request.user, expected_version=version, **data.validated_data
        )
        return self.ticket_response(ticket)

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today")],
        responses=s.DispatchCandidateSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="dispatch-candidates",
        url_name="dispatch-candidates",
        pagination_class=None,
        filterset_class=None,
    )
    def dispatch_candidates(self, request, pk=None):
        """Technicians considered for this ticket on a date, eligible first in rank order."""
        ticket = self.get_object()
        query = s.DispatchCandidatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        # Plain dicts in DispatchCandidateSerializer's shape: 2,000 rows through DRF's
        # nested serializers would cost more than computing them.
        return Response(
            [
                {
                    "technician": {
                        "id": c["technician"].pk,
                        "full_name": c["technician"].full_name,
                        "employee_no": c["technician"].employee_no,
                    },
                    "eligible": c["eligible"],
                    "rank": c["rank"],
                    "reasons": c["reasons"],
                }
                for c in dispatch_candidates(ticket=ticket, day=day)
            ]
        )

    @extend_schema(responses=s.TicketEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, pk=None):
        """The ticket's timeline, oldest first."""
        ticket = self.get_object()
        return Response(s.TicketEventSerializer(ticket_events(ticket=ticket), many=True).data)

    @extend_schema(responses=s.TicketNotificationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def notifications(self, request, pk=None):
        """The ticket's communication log: every message about it — to whom, when, by
        which channel, and whether it was delivered — oldest first."""
        ticket = self.get_object()
        rows = ticket_notifications(ticket=ticket)
        context = {**self.get_serializer_context(), "ticket": ticket}
        return Response(s.TicketNotificationSerializer(rows, many=True, context=context).data)

    @extend_schema(responses=s.TicketAttachmentSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[MultiPartParser],  # the upload below: a file, so multipart only
    )
    def attachments(self, request, pk=None):
        """The ticket's photos and documents, oldest first."""
        ticket = self.get_object()
        rows = TicketAttachment.objects.of_ticket(ticket)
        context = self.get_serializer_context()
        return Response(s.TicketAttachmentSerializer(rows, many=True, context=context).data)

    @extend_schema(
        request=s.TicketAttachmentUploadSerializer,
        responses={201: s.TicketAttachmentSerializer},
    )
    @attachments.mapping.post
    def attachment_upload(self, request, pk=None):
        """Add a photo (JPEG, PNG, WebP: re-encoded, EXIF and GPS dropped, a thumbnail made)
        or a PDF to the ticket: ``ticket_attachment_add``. The desk on any ticket, the
        assigned technician while the job is open (403 otherwise); a refused file is 400 on
        ``file`` naming the allowed types and the limit."""
        ticket = self.get_object()
        data = s.TicketAttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.ticket_attachment_add(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        body = s.TicketAttachmentSerializer(attachment, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def _attachment(self, attachment_pk):
        ticket = self.get_object()
        attachment = TicketAttachment.objects.filter(ticket=ticket, pk=attachment_pk).first()
        if attachment is None:
            raise NotFound(_("No such attachment on this ticket."))
        return attachment

    @extend_schema(parameters=[ATTACHMENT_ID], responses=FILE_RESPONSE)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)/file",
        url_name="attachment-api-file",
        filterset_class=None,
    )
    def attachment_file(self, request, pk=None, attachment_pk=None):
        """One photo or document, for whoever may see the ticket."""
        return file_response(self._attachment(attachment_pk).file)

    @extend_schema(parameters=[ATTACHMENT_ID], responses=FILE_RESPONSE)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)/thumbnail",
        url_name="attachment-api-thumbnail",
        filterset_class=None,
    )
    def attachment_thumbnail(self, request, pk=None, attachment_pk=None):
        """A photo's thumbnail (a JPEG of at most 480 px); a document has none (404)."""
        return file_response(self._attachment(attachment_pk).thumbnail)

    triage = _ticket_action(
        s.TicketTriageSerializer, services.ticket_triage, summary="new → triaged (first response)"
    )
    contact = _ticket_action(
        s.TicketContactSerializer, services.ticket_contact, summary="Log a customer contact"
    )
    pause = _ticket_action(
        s.TicketReasonSerializer, services.ticket_pause, summary="Pause the SLA clock"
    )
    resume = _ticket_action(
        s.TicketReasonSerializer, services.ticket_resume, summary="Resume the SLA clock"
    )
    dispatch_ticket = _ticket_action(
        s.TicketDispatchSerializer, services.ticket_dispatch, summary="triaged → dispatched"
    )
    reschedule = _ticket_action(
        s.TicketRescheduleSerializer,
        services.ticket_reschedule,
        summary="Move the appointment or change technician",
    )
    check_in = _ticket_action(
        s.TicketCheckInSerializer,
        services.ticket_check_in,
        summary="dispatched → on_site (assigned technician)",
    )
    complete = _ticket_action(
        s.TicketCompleteSerializer,
        services.ticket_complete,
        summary="on_site → awaiting_confirmation",
    )
    resolve_remotely = _ticket_action(
        s.TicketResolveRemotelySerializer,
        services.ticket_resolve_remotely,
        summary="triaged → awaiting_confirmation (remote fix)",
    )
    confirm = _ticket_action(
        s.TicketConfirmSerializer,
        services.ticket_confirm,
        summary="awaiting_confirmation → closed / triaged",
    )
    follow_up = _ticket_action(
        s.TicketFollowUpSerializer, services.ticket_follow_up, summary="closed → followed_up"
    )
    cancel = _ticket_action(
        s.TicketReasonSerializer,
        services.ticket_cancel,
        summary="new / triaged / dispatched → cancelled",
    )
    escalate = _ticket_action(
        s.TicketReasonSerializer, services.ticket_escalate, summary="Raise the escalation level"
    )
    transfer_owner = _ticket_action(
        s.TicketTransferOwnerSerializer,
        services.ticket_transfer_owner,
        summary="Hand first-contact ownership on",
    )


class DashboardView(APIView):
    """Open backlog by status and priority, its SLA at risk and breached, today's flow.

    Cached until a ticket changes, at most a minute (SLA states move with the clock).
    """

    read_roles = (*DESK, Role.AUDITOR)

    @extend_schema(responses=s.DashboardSerializer)
    def get(self, request):
        return Response(dashboard_summary())


class SlaRatesView(APIView):
    """Response- and dispatch-SLA met % for the tickets received in a period."""

    read_roles = (*DESK, Role.AUDITOR)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("to", OpenApiTypes.DATETIME, required=True),
        ],
        responses=s.SlaRatesSerializer,
    )
    def get(self, request):
        period = s.SlaRatesQuerySerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        start, end = period.validated_data["from"], period.validated_data["to"]
        if end <= start:
            raise ValidationError({"to": [_("The period must end after it starts.")]})
        return Response(sla_met_rates(start=start, end=end))
