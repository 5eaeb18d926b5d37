"""The settlement API: statements of the outlets, their lines, the review and exports.

Readers: supervisors, finance, the general manager, auditors (every statement) and an
outlet's dispatchers (their outlets' statements once submitted; others are 404). Writes
(build, submit, approve, return): supervisors and finance, each one service of
``tickets.settlement.services`` (which checks the role and the state and audits).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.api.concurrency import etag, expected_version

from .. import services
from ..exports import EXPORT_FORMATS, statement_export_response
from ..filtersets import StatementFilterSet
from ..models import Statement
from ..selectors import STATEMENT_CLERKS, STATEMENT_VIEWERS, statement_lines, statement_list
from . import serializers as s

IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(\*|(W/)?"[0-9]{1,10}"|[0-9]{1,10})$'},
    OpenApiParameter.HEADER,
    description='The statement version last read (7 or "7"); a stale one gets 409 stale_version.',
)
FORMAT = OpenApiParameter(
    "fmt", str, OpenApiParameter.PATH, enum=list(EXPORT_FORMATS), description="File format."
)


def _respond(view, statement):
    response = Response(s.StatementSerializer(statement).data)
    response["ETag"] = etag(statement.version)
    return response


def _review_action(service, *, name, input, method_name=None):
    return service_action(
        service,
        subject="statement",
        name=name,
        input=input,
        output=s.StatementSerializer,
        respond=_respond,
        extra=lambda request: {"expected_version": expected_version(request)},
        method_name=method_name,
        parameters=[IF_MATCH],
    )


class StatementViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly settlement statements (结算) of the service outlets."""

    queryset = Statement.objects.none()
    serializer_class = s.StatementSerializer
    filterset_class = StatementFilterSet
    read_roles = STATEMENT_VIEWERS
    action_roles = {
        "build": STATEMENT_CLERKS,
        "submit": STATEMENT_CLERKS,
        "approve": STATEMENT_CLERKS,
        "return_statement": STATEMENT_CLERKS,
    }

    def get_queryset(self):
        return statement_list(user=self.request.user).order_by("-month", "outlet__code", "id")

    def retrieve(self, request, *args, **kwargs):
        return _respond(self, self.get_object())

    @extend_schema(request=s.StatementBuildInputSerializer, responses=s.StatementSerializer)
    @action(detail=False, methods=["post"], filterset_class=None)
    def build(self, request):
        """Build (or rebuild, while a draft or returned) the statement of an outlet
        (``outlet``: its code) for a month (``month``: ``YYYY-MM``) from its signed work
        orders. 409 ``invalid_transition`` once submitted or approved."""
        data = s.StatementBuildInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = services.statement_build(actor=request.user, **data.validated_data)
        response = _respond(self, statement)
        response.status_code = status.HTTP_200_OK
        return response

    submit = _review_action(services.statement_submit, name="submit", input=None)
    approve = _review_action(
        services.statement_approve, name="approve", input=s.StatementApproveInputSerializer
    )
    return_statement = _review_action(
        services.statement_return,
        name="return",
        input=s.StatementReturnInputSerializer,
        method_name="return_statement",
    )

    @extend_schema(responses=s.StatementLineSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def lines(self, request, pk=None):
        """The statement's lines, one per signed work order, oldest signature first."""
        statement = self.get_object()
        page = self.paginate_queryset(statement_lines(statement=statement))
        return self.get_paginated_response(s.StatementLineSerializer(page, many=True).data)

    @extend_schema(
        parameters=[FORMAT],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"export/(?P<fmt>csv|xlsx|pdf)",
        url_name="export",
        filterset_class=None,
    )
    def export(self, request, pk=None, fmt="csv"):
        """The statement as CSV, XLSX or PDF, in the reader's language."""
        return statement_export_response(self.get_object(), fmt)
