"""Renderers of the API's downloads (``?format=pdf|csv|xlsx``).

One rule for all of them: a success is the file, an error met on the way (a 404, a 400
of the filters, a 403) is the API's JSON error as the schema declares it — never a PDF or
a CSV of an error's repr (the fuzz checks the content type of every answer).
"""

from rest_framework import renderers


class FileRenderer(renderers.BaseRenderer):
    """A download's renderer: ``render_file(data)`` for a success, JSON for an error.
    Subclasses set ``media_type``, ``format`` (and ``charset`` for text) and override
    ``render_file``; the default passes bytes the view made through."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return renderers.JSONRenderer().render(data)
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
