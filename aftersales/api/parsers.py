"""The API's JSON parser: a size and a nesting limit, so malformed JSON is a 400.

DRF's parser reads the whole stream (``DATA_UPLOAD_MAX_MEMORY_SIZE`` is enforced by Django
only on ``request.body``) and lets ``RecursionError`` from ``json`` escape, which a body
nested a thousand deep turns into a 500 — on the anonymous token endpoint too. This one
reads at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, decodes strictly, and refuses
nesting deeper than ``API_JSON_MAX_DEPTH``.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json


def json_depth_exceeds(value, limit):
    """Whether ``value`` (parsed JSON) nests containers more than ``limit`` deep.

    Iterative, so checking a deep value cannot itself overflow the stack.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a body-size limit and a nesting-depth limit (400 beyond)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise ParseError(_("The request body is too large."))
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(
                _("The request body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from exc
        try:
            parse_constant = json.strict_constant if self.strict else None
            value = json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:
            raise ParseError(self._too_deep()) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth_exceeds(value, settings.API_JSON_MAX_DEPTH):
            raise ParseError(self._too_deep())
        return value

    @staticmethod
    def _too_deep():
        return _("The JSON body is nested more than %(depth)s levels deep.") % {
            "depth": settings.API_JSON_MAX_DEPTH
        }
