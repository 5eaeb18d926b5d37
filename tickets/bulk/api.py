"""REST adapter of bulk import and export (``tickets.bulk``): thin views over
``exports.bulk_export`` and ``imports.bulk_import``.

- ``GET /api/v1/exports/<kind>/?format=csv|xlsx&<the kind's list filters>``: kinds
  ``tickets``, ``customers``, ``products``, ``parts``, ``stock-levels``; supervisors and
  auditors (phones masked for auditors).
- ``POST /api/v1/imports/<kind>/`` (multipart ``file``, ``mode=dry_run|apply``): kinds
  ``customers``, ``products``, ``parts``; supervisors.
"""

from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from aftersales.api.renderers import FileRenderer
from aftersales.api.schema import FIELD_ERRORS, AutoSchema
from aftersales.api.serializers import StrictFieldsMixin
from aftersales.roles import Role

from . import exports, imports
from .formats import XLSX_TYPE


class ExportSchema(AutoSchema):
    """An export is not a list response, but it takes the list's filters: declare them."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])


class _FileRenderer(FileRenderer):
    """Lets ``?format=csv|xlsx`` through content negotiation; the view answers the file
    itself (a streaming response), so whatever reaches this renderer is JSON."""

    def render_file(self, data):
        return JSONRenderer().render(data)


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"


FORMAT = OpenApiParameter(
    "format",
    str,
    enum=list(exports.formats.FORMATS),
    description="csv (default; UTF-8 with a byte-order mark) or xlsx.",
)


class ExportView(GenericAPIView):
    kind = None
    schema = ExportSchema()
    read_roles = exports.EXPORT_ROLES
    renderer_classes = [CsvRenderer, XlsxRenderer]
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def get_queryset(self):
        return self.kind.queryset(self.request.user)

    def get(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        filters = {
            key: request.query_params.getlist(key)
            for key in sorted(request.query_params)
            if key != "format"
        }
        return exports.bulk_export(
            actor=request.user,
            kind=self.kind,
            queryset=queryset,
            fmt=request.accepted_renderer.format,
            filters=filters,
        )


def export_view(slug):
    """The export endpoint of one kind: its own filters in the schema."""
    kind = exports.KINDS[slug]
    name = slug.replace("-", " ").title().replace(" ", "")
    view = type(
        f"{name}ExportView",
        (ExportView,),
        {
            "kind": kind,
            "filterset_class": kind.filterset_class,
            "filterset_fields": list(kind.filterset_fields),
            "__doc__": (
                f"All {kind.title} the caller may read, with the filters of the {slug} list, "
                "streamed as CSV or XLSX; one `bulk.exported` audit event. Supervisors and "
                "auditors (phones, e-mails and addresses masked for auditors)."
            ),
        },
    )
    return extend_schema(
        parameters=[FORMAT],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_TYPE): OpenApiTypes.BINARY,
        },
        tags=["bulk"],
    )(view)


class BulkImportInputSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GBK/GB18030) or XLSX, header row first.")
    mode = serializers.ChoiceField(
        choices=imports.MODES,
        default="dry_run",
        help_text="dry_run: check every row, write nothing; apply: write all rows or none.",
    )


class BulkImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row of the file (the header is row 1).")
    column = serializers.CharField(help_text="The column, empty for the row as a whole.")
    message = serializers.CharField()


class BulkImportReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    mode = serializers.ChoiceField(choices=imports.MODES)
    applied = serializers.BooleanField(help_text="Whether the rows were written.")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = BulkImportErrorSerializer(many=True)


class ImportSchema(AutoSchema):
    """An import's 400 is one of two bodies: the report (an apply with refused rows,
    nothing written) or field errors (a file or mode that cannot be taken)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            report = self.resolve_serializer(BulkImportReportSerializer, "response").ref
            responses["400"] = self._error(
                "An apply with refused rows (the report; nothing written), or a file that "
                'cannot be taken: {"file": ["…"]} (wrong type, encoding, columns, empty, '
                "too many rows or bytes) or a mode that is not one.",
                {"anyOf": [report, self._component("FieldErrors", FIELD_ERRORS)]},
            )
        return responses


class ImportView(GenericAPIView):
    kind = None
    schema = ImportSchema()
    write_roles = imports.IMPORT_ROLES
    read_roles = (Role.SUPERVISOR,)
    parser_classes = [MultiPartParser]
    serializer_class = BulkImportInputSerializer
    pagination_class = None
    filter_backends = []

    def post(self, request, *args, **kwargs):
        data = BulkImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            report = imports.bulk_import(
                actor=request.user,
                kind=self.kind,
                file=upload,
                mode=data.validated_data["mode"],
                filename=upload.name or "",
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        body = BulkImportReportSerializer(report).data
        refused = report.mode == "apply" and not report.applied
        return Response(body, status=status.HTTP_400_BAD_REQUEST if refused else 200)


def import_view(slug):
    kind = imports.KINDS[slug]
    name = slug.title()
    view = type(
        f"{name}ImportView",
        (ImportView,),
        {
            "kind": kind,
            "__doc__": (
                f"Import {slug} from a CSV or XLSX file: `mode=dry_run` checks every row "
                "through the API's validation and the services and writes nothing; "
                "`mode=apply` writes every row or, if any is refused, none (400 with the "
                f"report). Columns: {', '.join(kind.required)} (required), "
                f"{', '.join(kind.optional)}. Supervisors; each written row audited by its "
                "service, the batch as `bulk.imported`."
            ),
        },
    )
    return extend_schema(
        request=BulkImportInputSerializer,  # multipart: the view's only parser
        responses={
            200: BulkImportReportSerializer,
        },
        tags=["bulk"],
    )(view)
