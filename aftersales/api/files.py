"""Uploaded documents (certificates, corrective-action evidence) served only through the API.

Uploads may carry personal data (ID numbers on a certificate, photos of a customer's
home), so ``MEDIA_ROOT`` is never published as static files: a view that has already
checked the role and the object's visibility streams the file, and serializers show the
URL of that view instead of a public media path.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.reverse import reverse

FILE_RESPONSE = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


def file_response(field_file):
    """Stream ``field_file`` as an attachment; 404 when there is none or it is gone."""
    if not field_file:
        raise NotFound("No file was uploaded.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound("The file is missing from storage.") from exc
    return FileResponse(handle, as_attachment=True, filename=field_file.name.rsplit("/", 1)[-1])


@extend_schema_field(OpenApiTypes.URI)
class ProtectedFileField(serializers.FileField):
    """Writes like a ``FileField``; reads as the URL of the download view ``view_name``
    (which checks who may see the object), or null without a file."""

    def __init__(self, *, view_name, **kwargs):
        self.view_name = view_name
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # The URL needs the record, not the file: hand the record on when there is a file
        # (None makes DRF answer null without calling to_representation).
        return instance if super().get_attribute(instance) else None

    def to_representation(self, instance):
        return reverse(self.view_name, args=[instance.pk], request=self.context.get("request"))
