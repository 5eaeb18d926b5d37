"""Model fields of our own that run on PostgreSQL and on SQLite (``make run``).

``ListField`` is PostgreSQL's ``ArrayField`` (the same column type and DDL, its lookups)
and, on any other database, a text column holding the list as JSON. Portable lookups:
``exact`` (``field=[…]``, order matters as for an array) and ``contains``
(``field__contains=[…]``: every given item is in the list); the other array lookups and
transforms (``overlap``, ``len``, ``0``, ``0_2`` …) are PostgreSQL only.
"""

import json

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.fields.array import ArrayContains, ArrayExact
from django.core.serializers.json import DjangoJSONEncoder


def _native(connection):
    return connection.vendor == "postgresql"


class ListField(ArrayField):
    """A list of ``base_field`` values: ``base_type[]`` on PostgreSQL, JSON text elsewhere."""

    def get_internal_type(self):
        return "ArrayField"  # what Django's PostgreSQL schema editor looks for

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "aftersales.fields.ListField", args, kwargs

    def db_type(self, connection):
        return super().db_type(connection) if _native(connection) else "text"

    def cast_db_type(self, connection):
        return super().cast_db_type(connection) if _native(connection) else "text"

    def get_placeholder(self, value, compiler, connection):
        return super().get_placeholder(value, compiler, connection) if _native(connection) else "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if _native(connection) or not isinstance(value, list):
            return value
        return self.dumps(value)

    @staticmethod
    def dumps(values):
        """The JSON text a list is stored as off PostgreSQL (one spelling, so ``=`` works)."""
        return json.dumps(values, cls=DjangoJSONEncoder, separators=(",", ":"))

    def get_db_converters(self, connection):
        converters = super().get_db_converters(connection)
        if not _native(connection):
            converters = [self._from_json, *converters]
        return converters

    def _from_json(self, value, expression, connection):
        return None if value is None else self.to_python(value)


def _prepared(lookup, values):
    return [lookup.lhs.output_field.base_field.get_prep_value(v) for v in values]


@ListField.register_lookup
class ListExact(ArrayExact):
    """``field=[…]``: the array comparison on PostgreSQL, the JSON text's elsewhere."""

    def __init__(self, lhs, rhs):
        self.raw_rhs = rhs
        super().__init__(lhs, rhs)

    def as_sql(self, compiler, connection):
        if _native(connection) or not isinstance(self.raw_rhs, (list, tuple)):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = %s", (*lhs_params, ListField.dumps(_prepared(self, self.raw_rhs)))


@ListField.register_lookup
class ListContains(ArrayContains):
    """``field__contains=[…]``: ``@>`` on PostgreSQL; elsewhere each item is looked for
    among the JSON list's elements (SQLite's ``json_each``)."""

    def __init__(self, lhs, rhs):
        self.raw_rhs = rhs
        super().__init__(lhs, rhs)

    def as_sql(self, compiler, connection):
        if _native(connection):
            return super().as_sql(compiler, connection)
        if not isinstance(self.raw_rhs, (list, tuple)):
            raise NotImplementedError("ListField__contains takes a list off PostgreSQL")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = _prepared(self, self.raw_rhs)
        if not values:
            return "1 = 1", ()
        one = f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)"  # nosec B608
        return " AND ".join([one] * len(values)), tuple(
            p for value in values for p in (*lhs_params, value)
        )
