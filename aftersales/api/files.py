"""Uploaded documents (certificates, corrective-action evidence) served only through the API.

Uploads may carry personal data (ID numbers on a certificate, photos of a customer's
home), so ``MEDIA_ROOT`` is never published as static files: a view that has already
checked the role and the object's visibility streams the file, and serializers show the
URL of that view instead of a public media path.

What is accepted is ``aftersales.uploads``' rule (size, type sniffed from the content,
images re-encoded); ``UploadField`` applies it to the API's input, so a refused file is a
400 on its field before any service runs.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.reverse import reverse

from aftersales.uploads import JPEG, PDF, PNG, WEBP, clean_upload, stored_file_type

FILE_RESPONSE = {(200, file_type.mime): OpenApiTypes.BINARY for file_type in (PDF, PNG, JPEG, WEBP)}


def file_response(field_file):
    """Stream ``field_file`` as an attachment; 404 when there is none or it is gone.

    The Content-Type is the one sniffed from the stored bytes (an upload stored before
    the content was checked, of no allowed type, goes as ``application/octet-stream``),
    never the one its name suggests; ``nosniff`` stops a browser from guessing otherwise,
    and the sandbox CSP keeps anything it still renders from running.
    """
    if not field_file:
        raise NotFound("No file was uploaded.")
    file_type = stored_file_type(field_file)
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound("The file is missing from storage.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=field_file.name.rsplit("/", 1)[-1],
        content_type=file_type.mime if file_type else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class UploadField(serializers.FileField):
    """A ``FileField`` whose value passes ``aftersales.uploads.clean_upload`` for ``kind``
    (an ``UploadKind``): a ``CleanedUpload`` with safe bytes and the sniffed extension."""

    def __init__(self, *, kind, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        try:
            return clean_upload(file, kind=self.kind)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


@extend_schema_field(OpenApiTypes.URI)
class ProtectedFileField(UploadField):
    """Writes like an ``UploadField`` of ``kind``; reads as the URL of the download view
    ``view_name`` (which checks who may see the object), or null without a file."""

    def __init__(self, *, view_name, kind=None, **kwargs):
        self.view_name = view_name
        super().__init__(kind=kind, **kwargs)

    def to_internal_value(self, data):
        if self.kind is None:  # read-only use
            return serializers.FileField.to_internal_value(self, data)
        return super().to_internal_value(data)

    def get_attribute(self, instance):
        # The URL needs the record, not the file: hand the record on when there is a file
        # (None makes DRF answer null without calling to_representation).
        return instance if super().get_attribute(instance) else None

    def to_representation(self, instance):
        return reverse(self.view_name, args=[instance.pk], request=self.context.get("request"))
