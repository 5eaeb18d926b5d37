"""Every uploaded file passes through here: size, type by content, images re-encoded.

One rule for the four kinds of upload (certificate documents, corrective-action
evidence, the customer's signature, a ticket's photos and documents), used by the model
``clean()``, the API's upload fields, the page forms and the services that store the file:

- **size**: each kind has a limit in bytes (settings ``UPLOAD_MAX_BYTES``);
- **type by content, never by name**: the first bytes are matched against the kind's
  allow-list (PDF, PNG, JPEG, WebP); HTML, SVG, scripts and executables match none of
  them whatever their extension says;
- **images are decoded and re-encoded** with Pillow: a file that does not decode is
  refused, and the stored copy holds only pixels (EXIF with GPS positions, comments,
  anything appended after the image end are gone); the pixel count is capped
  (``UPLOAD_MAX_IMAGE_PIXELS``) before decoding, against decompression bombs;
- the stored name ends in the sniffed extension, whatever the client called it
  (``photo.png`` holding a JPEG is stored as ``photo.jpg``, ``scan.exe.pdf`` as
  ``scan_exe.pdf``);
- ``delete_on_commit`` removes a replaced file from storage once the change is committed,
  so a rolled-back change keeps the old file.

PDFs are checked by their header, not rewritten: they are served as attachments with
``X-Content-Type-Options: nosniff`` (``aftersales.api.files.file_response``), so a browser
never renders one inline as anything else.
"""

import base64
import binascii
import io
import logging
import re
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Enough to recognise every allowed type (WebP: bytes 8–11).
SNIFF_BYTES = 16


@dataclass(frozen=True)
class FileType:
    """A type we accept: its label for messages, MIME type, extension, Pillow format."""

    label: str
    mime: str
    extension: str
    pillow_format: str | None = None


PDF = FileType("PDF", "application/pdf", "pdf")
PNG = FileType("PNG", "image/png", "png", "PNG")
JPEG = FileType("JPEG", "image/jpeg", "jpg", "JPEG")
WEBP = FileType("WebP", "image/webp", "webp", "WEBP")


def sniff(head):
    """The allowed type ``head`` (the first bytes of a file) starts like, or None.

    Magic numbers fixed by each format's specification; anything else (HTML, SVG, ZIP,
    ELF, PE…) is None.
    """
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


@dataclass(frozen=True)
class UploadKind:
    """What one kind of upload may be: its allowed types and the setting of its limit."""

    name: str
    types: tuple[FileType, ...]

    @property
    def max_bytes(self):
        return settings.UPLOAD_MAX_BYTES[self.name]


CERTIFICATE_DOCUMENT = UploadKind("certificate_document", (PDF, PNG, JPEG, WEBP))
EVIDENCE = UploadKind("evidence", (PDF, PNG, JPEG, WEBP))
# A signature is drawn on a pad: an image, never a document.
SIGNATURE = UploadKind("signature", (PNG, JPEG))
# Photos of the fault and the work, documents (invoices, reports) on a ticket.
TICKET_ATTACHMENT = UploadKind("ticket_attachment", (JPEG, PNG, WEBP, PDF))
# A table of customers, products or parts (tickets.bulk): CSV or XLSX, told apart and
# read by tickets.bulk.formats; only the size limit is this module's.
BULK_IMPORT = UploadKind("bulk_import", ())


def size_label(n):
    if n >= 1024 * 1024:
        return _("%(n)s MB") % {"n": f"{n / (1024 * 1024):g}"}
    return _("%(n)s KB") % {"n": f"{n / 1024:g}"}


def refusal_message(kind, reason=None):
    """The message of a refused upload: why (``reason``, when known), then what is allowed
    and how large."""
    allowed = _("Upload a %(types)s file of at most %(limit)s.") % {
        "types": ", ".join(t.label for t in kind.types),
        "limit": size_label(kind.max_bytes),
    }
    return f"{reason} {allowed}" if reason else allowed


def _refused(kind, reason):
    return ValidationError(refusal_message(kind, reason), code="upload_refused")


def _too_large(kind):
    return _("The file is larger than %(limit)s.") % {"limit": size_label(kind.max_bytes)}


class CleanedUpload(ContentFile):
    """A file that passed ``clean_upload``: safe bytes, sniffed ``file_type``, a name
    with the sniffed extension. Cleaning it again returns it unchanged."""

    def __init__(self, content, *, name, file_type):
        super().__init__(content, name=name)
        self.file_type = file_type
        self.content_type = file_type.mime


def _read_limited(file, limit):
    """All of ``file``'s bytes, or None when there are more than ``limit``."""
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        return None
    if hasattr(file, "seek"):
        file.seek(0)
    raw = file.read(limit + 1)
    if isinstance(raw, str):
        raw = raw.encode()
    return None if len(raw) > limit else raw


# The chunks that define a PNG's pixels; any other (text, EXIF, iCCP, private) is dropped.
_PNG_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def png_is_pixels_only(raw):
    """Whether the PNG ``raw`` holds nothing but its pixels: only the chunks above, each
    with a valid CRC, one zlib stream that the image data fills exactly, nothing after
    ``IEND``. Such a file is what re-encoding would produce, so it is kept byte for byte
    (a signature stays exactly what the customer's device sent)."""
    pos, idat = 8, []
    while pos + 12 <= len(raw):
        length = int.from_bytes(raw[pos : pos + 4], "big")
        kind, data_end = raw[pos + 4 : pos + 8], pos + 8 + length
        if kind not in _PNG_PIXEL_CHUNKS or data_end + 4 > len(raw):
            return False
        if zlib.crc32(raw[pos + 4 : data_end]) != int.from_bytes(raw[data_end : data_end + 4]):
            return False
        if kind == b"IDAT":
            idat.append(raw[pos + 8 : data_end])
        pos = data_end + 4
        if kind == b"IEND":
            return pos == len(raw) and _zlib_stream_exact(idat)
    return False


def _zlib_stream_exact(chunks):
    """Whether ``chunks`` are one complete zlib stream and not a byte more (decompressed
    in bounded pieces and thrown away: only the framing is checked)."""
    stream = zlib.decompressobj()
    try:
        for chunk in chunks:
            pending = chunk
            while pending:
                if stream.eof:
                    return False
                stream.decompress(pending, 1 << 16)
                pending = stream.unconsumed_tail
    except zlib.error:
        return False
    return stream.eof and not stream.unused_data


def reencode_image(raw, file_type):
    """Decode ``raw`` as ``file_type`` and encode it again, pixels only.

    Raises ``ValueError`` when it is not a decodable image of that type or has more
    pixels than ``UPLOAD_MAX_IMAGE_PIXELS``. The EXIF orientation is applied to the
    pixels first, so a phone photo stays upright once its EXIF is gone. A PNG that
    already holds only its pixels (``png_is_pixels_only``) is returned as it came.
    """
    try:
        with Image.open(io.BytesIO(raw), formats=[file_type.pillow_format]) as image:
            if image.width * image.height > settings.UPLOAD_MAX_IMAGE_PIXELS:
                raise ValueError("too many pixels")
            image.load()
            if file_type is PNG and png_is_pixels_only(raw):
                return raw
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if file_type is JPEG:
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(out, format="JPEG", quality=90, optimize=True)
            elif file_type is PNG:
                if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG", optimize=True)
            else:
                if image.mode not in ("RGB", "RGBA"):
                    image = image.convert("RGBA")
                image.save(out, format="WEBP", quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        # Pillow reports truncated or corrupt data as OSError (SyntaxError for some
        # malformed headers).
        raise ValueError(str(exc)) from exc


THUMBNAIL_SIZE = (480, 480)


def thumbnail_bytes(raw, *, size=THUMBNAIL_SIZE):
    """A JPEG of at most ``size`` pixels of the image ``raw`` (bytes that passed
    ``clean_bytes``: decodable, pixels only, upright), made on the server so a page of
    photos loads kilobytes, not the originals. Transparency is laid on white."""
    try:
        formats = [t.pillow_format for t in (PNG, JPEG, WEBP)]
        with Image.open(io.BytesIO(raw), formats=formats) as image:
            image.draft("RGB", size)  # a JPEG decodes at a fraction of its size: faster
            image.thumbnail(size, Image.Resampling.LANCZOS)
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=82, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise ValueError(str(exc)) from exc


def clean_bytes(raw, *, kind):
    """``(safe bytes, FileType)`` for the content ``raw`` of a ``kind`` upload.

    Raises ``ValidationError`` (the refusal message) when it is too large, empty, of a
    type the kind does not allow, or an image that does not decode.
    """
    if not raw:
        raise _refused(kind, _("The file is empty."))
    if len(raw) > kind.max_bytes:
        raise _refused(kind, _too_large(kind))
    file_type = sniff(raw[:SNIFF_BYTES])
    if file_type not in kind.types:
        raise _refused(kind, _("This kind of file is not accepted."))
    if file_type.pillow_format:
        try:
            raw = reencode_image(raw, file_type)
        except ValueError as exc:
            reason = _(
                "The file could not be read as a %(type)s image: it is damaged or not an image."
            ) % {"type": file_type.label}
            raise _refused(kind, reason) from exc
    return raw, file_type


def _stored_name(original, file_type):
    stem = PurePosixPath((original or "").replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    # No inner dots either: nothing downstream may take "scan.exe" for an extension.
    stem = re.sub(r"[^\w-]", "_", stem)[:80].strip("_") or "upload"
    return f"{stem}.{file_type.extension}"


def clean_upload(file, *, kind, field=None):
    """The ``CleanedUpload`` to store for the uploaded ``file`` of ``kind``.

    ``field``: raise the refusal as ``{field: [message]}`` (a service's field error).
    Idempotent: a ``CleanedUpload`` comes back as it is.
    """
    if isinstance(file, CleanedUpload):
        return file
    try:
        raw = _read_limited(file, kind.max_bytes)
        if raw is None:
            raise _refused(kind, _too_large(kind))
        raw, file_type = clean_bytes(raw, kind=kind)
    except ValidationError as exc:
        if field:
            raise ValidationError({field: exc.messages}) from exc
        raise
    return CleanedUpload(raw, name=_stored_name(file.name, file_type), file_type=file_type)


def validate_new_upload(field_file, *, kind):
    """For a model's ``clean()``: check ``field_file`` when it is a new, unsaved upload
    (a stored file was checked when it arrived and is not read again)."""
    if field_file and not getattr(field_file, "_committed", True):
        clean_upload(field_file.file, kind=kind)


def stored_file_type(field_file):
    """The sniffed type of a stored file (None: not one we accept, e.g. an old upload)."""
    try:
        with field_file.open("rb") as handle:
            return sniff(handle.read(SNIFF_BYTES))
    except (FileNotFoundError, ValueError):
        return None


# --- Data URLs (the signature pad) ---------------------------------------------------

_DATA_URL = re.compile(r"^data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$")


def clean_data_url(value, *, kind):
    """The re-encoded ``data:<mime>;base64,…`` URL of the image in ``value``.

    Raises ``ValueError`` when ``value`` is not a base64 data URL, and
    ``ValidationError`` when its bytes are not an allowed, decodable image of the size
    allowed for ``kind``. The declared MIME type is not trusted: the bytes decide.
    """
    match = _DATA_URL.match(value or "")
    if not match:
        raise ValueError("not a base64 data URL")
    # base64 grows 4/3: refuse a string too long to fit the limit before decoding it.
    if len(match.group(2)) > kind.max_bytes * 4 // 3 + 1024:
        raise _refused(kind, _too_large(kind))
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64") from exc
    raw, file_type = clean_bytes(raw, kind=kind)
    return f"data:{file_type.mime};base64,{base64.b64encode(raw).decode('ascii')}"


# --- Storage ---------------------------------------------------------------------------


def delete_on_commit(field_file):
    """Remove ``field_file``'s stored file once the current transaction commits.

    Call it when a record lets go of a file (replaced or deleted); if the change rolls
    back, the callback is dropped and the old file stays. A failure to delete is logged,
    never raised: the change is already committed.
    """
    name = getattr(field_file, "name", None)
    if not name:
        return
    storage = field_file.storage

    def delete():
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the replaced upload %s", name)

    transaction.on_commit(delete)


class UploadTooLarge(MultiPartParserError):
    """A multipart file larger than any kind allows (400 from Django and DRF alike)."""


class UploadSizeLimitHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: stops a multipart file once it exceeds the
    largest per-kind limit, so a 120 MB body is refused while it streams rather than
    written to a temporary file and refused afterwards."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = max(settings.UPLOAD_MAX_BYTES.values())
        if self.received > limit:
            raise UploadTooLarge(
                _("The file is larger than %(limit)s.") % {"limit": size_label(limit)}
            )
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadSkipOversize(FileUploadHandler):
    """For a page form: a file beyond ``kind``'s limit is dropped while it streams (never
    stored, not even in a temporary file), the rest of the form is kept, and the field's
    name is noted in ``request.uploads_refused`` so the view can say "too large" next to
    it and re-show what else was typed. Put it first of the request's handlers, before
    ``request.POST`` is read (the view is ``csrf_exempt`` and checks CSRF itself after)."""

    def __init__(self, request, *, kind):
        super().__init__(request)
        self.limit = kind.max_bytes
        request.uploads_refused = []

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.uploads_refused.append(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_handlers_for_page(request, *, kind):
    """``request``'s upload handlers with ``UploadSkipOversize`` for ``kind`` in place of
    the global stream limit (which answers a bare 400 and loses the form)."""
    request.upload_handlers = [UploadSkipOversize(request, kind=kind)] + [
        handler
        for handler in request.upload_handlers
        if not isinstance(handler, UploadSizeLimitHandler)
    ]
