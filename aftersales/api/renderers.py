"""The API's renderers: JSON on orjson, and the downloads (``?format=pdf|csv|xlsx``).

JSON: DRF's ``JSONRenderer`` output, byte for byte for what our views return, encoded by
orjson (a Rust encoder, several times faster than the standard library's on a 50-ticket
page); anything orjson does not know natively (dates and times, decimals, lazy
translations, querysets) goes through DRF's own encoder, and an answer orjson refuses
altogether (an integer beyond 64 bits) is rendered by DRF's renderer.

Downloads: one rule for all of them: a success is the file, an error met on the way (a
404, a 400 of the filters, a 403) is the API's JSON error as the schema declares it, and
an ``OPTIONS`` request the endpoint's JSON description — never a PDF or a CSV of an
error's repr (the fuzz checks the content type of every answer).
"""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_ENCODER = JSONEncoder()
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
# DRF escapes these two (valid JSON, but line breaks to JavaScript); so do we.
_LINE_SEPARATOR, _PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer (compact, UTF-8, ``?indent`` honoured) on orjson."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):
            return super().render(data, accepted_media_type, renderer_context)
        if _LINE_SEPARATOR in body:
            body = body.replace(_LINE_SEPARATOR, b"\\u2028")
        if _PARAGRAPH_SEPARATOR in body:
            body = body.replace(_PARAGRAPH_SEPARATOR, b"\\u2029")
        return body


class FileRenderer(renderers.BaseRenderer):
    """A download's renderer: ``render_file(data)`` for a success, JSON for an error.
    Subclasses set ``media_type``, ``format`` (and ``charset`` for text) and override
    ``render_file``; the default passes bytes the view made through."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response, request = context.get("response"), context.get("request")
        # An error, or the endpoint's description (OPTIONS, ``?format=csv`` kept on the
        # URL): not a file, the JSON the schema declares.
        if response is not None and (
            response.status_code >= 400 or getattr(request, "method", None) == "OPTIONS"
        ):
            response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)
        return self.render_file(data)

    def render_file(self, data):
        return data


class PdfRenderer(FileRenderer):
    """The PDF a view built (a receipt, an equipment receipt)."""

    media_type = "application/pdf"
    format = "pdf"


class CsvTextRenderer(FileRenderer):
    """A report as CSV text: subclasses write ``render_file``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    render_style = "text"
