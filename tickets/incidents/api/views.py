"""REST adapter of the service incidents (README "Service incidents"): the desk and
auditors read; supervisors declare, move the stages, set the rule and link (preview
first), link and unlink by hand, draft and send notices, record the review. Selectors
in, services out."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.concurrency import expected_version
from aftersales.roles import Role

from .. import selectors, services
from ..models import IncidentNotice, IncidentTicket
from . import serializers as s

READERS = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR)
SUPERVISORS = (Role.SUPERVISOR,)


def _version(request):
    return {"expected_version": expected_version(request)}


class IncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Service incidents, open ones first. ``POST`` declares one (supervisors)."""

    serializer_class = s.IncidentSerializer
    read_roles = READERS
    write_roles = SUPERVISORS
    filterset_fields = ["grade", "stage"]

    def get_queryset(self):
        return selectors.incidents_list().select_related("review")

    @extend_schema(request=s.IncidentDeclareInput, responses={201: s.IncidentSerializer})
    def create(self, request):
        data = s.IncidentDeclareInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_declare(actor=request.user, **data.validated_data)
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(s.IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    def _respond(self, result):
        return Response(s.IncidentSerializer(self.get_queryset().get(pk=result.pk)).data)

    respond = service_action(
        services.incident_respond,
        subject="incident",
        name="respond",
        input=s.StageInput,
        respond=lambda view, r: view._respond(r),
        extra=_version,
        summary="declared → responded",
    )
    handle = service_action(
        services.incident_handle,
        subject="incident",
        name="handle",
        input=s.StageInput,
        respond=lambda view, r: view._respond(r),
        extra=_version,
        summary="responded → initially handled",
    )
    close = service_action(
        services.incident_close,
        subject="incident",
        name="close",
        input=s.StageInput,
        respond=lambda view, r: view._respond(r),
        extra=_version,
        summary="initially handled → closed (the closed loop)",
    )
    review = service_action(
        services.incident_review_record,
        subject="incident",
        name="review",
        input=s.ReviewInput,
        output=s.ReviewSerializer,
        summary="Record or revise the post-incident review",
    )
    rule = service_action(
        services.incident_rule_set,
        subject="incident",
        name="rule",
        input=s.RuleInput,
        respond=lambda view, r: view._respond(r),
        summary="Set the linking rule (product models, areas, creation window)",
    )
    link_by_rule = service_action(
        services.incident_link_by_rule,
        subject="incident",
        name="link-by-rule",
        output=s.CountSerializer,
        respond=lambda view, count: Response({"count": count}),
        summary="Link every ticket the rule matches (set-based, idempotent)",
    )
    link = service_action(
        services.incident_ticket_link,
        subject="incident",
        name="link",
        input=s.LinkInput,
        output=s.IncidentTicketSerializer,
        summary="Link a ticket by hand",
    )
    unlink = service_action(
        services.incident_ticket_unlink,
        subject="incident",
        name="unlink",
        input=s.UnlinkInput,
        output=s.IncidentTicketSerializer,
        summary="Unlink a ticket with a reason",
    )

    @extend_schema(request=s.RuleInput, responses=s.CountSerializer)
    @action(detail=True, methods=["post"], url_path="rule-preview", url_name="rule-preview")
    def rule_preview(self, request, pk=None):
        """How many tickets a rule would link now (writes nothing)."""
        data = s.RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.incident_rule_preview(incident=self.get_object(), **data.validated_data)
        return Response({"count": count})

    @extend_schema(responses=s.IncidentEventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="timeline", url_name="timeline")
    def timeline(self, request, pk=None):
        """The incident's own timeline, oldest first (paged)."""
        events = selectors.incident_timeline(self.get_object())
        page = self.paginate_queryset(events)
        return self.get_paginated_response(s.IncidentEventSerializer(page, many=True).data)

    action_roles = {"rule_preview": SUPERVISORS}


class IncidentTicketViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Links of tickets to incidents (``?incident=<id>``, ``?ticket=<id>``), unlinked ones
    too (with their reason)."""

    serializer_class = s.IncidentTicketSerializer
    read_roles = READERS
    filterset_fields = ["incident", "ticket", "method"]

    def get_queryset(self):
        return IncidentTicket.objects.select_related("ticket", "linked_by", "unlinked_by").order_by(
            "-linked_at", "-id"
        )


class IncidentNoticeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Notices to the affected customers: drafted (``POST``), then sent once (``send``)."""

    serializer_class = s.IncidentNoticeSerializer
    read_roles = READERS
    write_roles = SUPERVISORS
    filterset_fields = ["incident"]

    def get_queryset(self):
        return IncidentNotice.objects.select_related("created_by", "sent_by").order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=s.NoticeDraftInput, responses={201: s.IncidentNoticeSerializer})
    def create(self, request):
        data = s.NoticeDraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.incident_notice_draft(actor=request.user, **data.validated_data)
        return Response(s.IncidentNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    send = service_action(
        services.incident_notice_send,
        subject="notice",
        name="send",
        summary="Send to the customers of the linked tickets, once per customer",
    )
