"""Serializer building blocks every app's write serializers share.

``StrictFieldsMixin``: DRF silently drops keys a serializer does not know and keys of
read-only fields, so ``PATCH {"status": "closed"}`` answers 200 having changed nothing, and
a typo (``"priorty"``) looks accepted. Every write serializer refuses them instead, with a
400 on the key: the client learns at once that the write did not do what it asked.
"""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictFieldsMixin:
    """Mix into a write serializer (before ``Serializer``/``ModelSerializer``): a key of
    the input that is not a writable field answers 400 ``{"key": ["…"]}`` — "This field is
    read-only." for a read-only field, "Unknown field." for anything else — together with
    the other field errors of the input. Nested serializers check their own keys.

    ``represented_by``: the serializer of the resource an update serializer changes
    (``TicketSerializer`` for ``TicketUpdateSerializer``); its fields that this one does
    not take are read-only here, and said so. ``refused_field_message(name, field)`` may
    be overridden for a clearer message about a particular key (certificates say their
    dates are fixed).
    """

    represented_by = None

    def refused_field_message(self, name, field):
        if (field is not None and field.read_only) or name in self._represented_names():
            return _("This field is read-only.")
        return _("Unknown field.")

    def _represented_names(self):
        output = self.represented_by
        if output is None:
            return set()
        meta_fields = getattr(getattr(output, "Meta", None), "fields", None) or []
        return {*output._declared_fields, *meta_fields}

    def refused_fields(self, data):
        """``{key: [message]}`` for the keys of ``data`` this serializer does not take."""
        if not isinstance(data, Mapping):
            return {}
        fields = self.fields
        refused = {}
        for name in data:
            field = fields.get(name)
            if field is None or field.read_only:
                refused[name] = [self.refused_field_message(name, field)]
        return refused

    def to_internal_value(self, data):
        refused = self.refused_fields(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**refused, **exc.detail}) from exc
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value
