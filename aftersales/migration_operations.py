"""Migration operations of our own (used by the migrations; imports nothing of the apps)."""

import datetime as dt

from django.contrib.postgres.operations import (
    AddIndexConcurrently as PostgresAddIndexConcurrently,
)
from django.db.migrations.operations import AddIndex
from django.db.migrations.operations.base import Operation

from aftersales import partitioning


class AlterFieldLabels(Operation):
    """Several fields of one model change only what Django reads, never the database:
    verbose names, help texts, choice labels.

    Django's ``AlterField`` does the same to the migration state, one field at a time, and
    re-renders every model related to the changed one, recursively, for each foreign key:
    the ~600 label changes of the translation work took a fresh ``migrate`` from 40 s to
    3.5 min that way. This replaces the fields as given (the definitions ``makemigrations``
    wrote) and re-renders the model and its direct relations once. ``database_forwards`` does
    nothing: use it only where ``sqlmigrate`` of the equivalent ``AlterField``\\ s is a no-op.
    """

    reduces_to_sql = False
    reversible = True

    def __init__(self, model_name, fields):
        self.model_name = model_name
        self.fields = fields

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name, "fields": self.fields}

    def state_forwards(self, app_label, state):
        model_key = app_label, self.model_name.lower()
        fields = state.models[model_key].fields
        for name, field in self.fields:
            old_field = fields.pop(name)
            if state._relations is not None and old_field.is_relation:
                state.resolve_model_field_relations(model_key, name, old_field)
            fields[name] = field
            if state._relations is not None and field.is_relation:
                state.resolve_model_field_relations(model_key, name, field)
        state.reload_model(*model_key, delay=True)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass  # labels only: nothing in the database changes

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Alter the labels of {len(self.fields)} fields of {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"alter_{self.model_name.lower()}_labels"


class PartitionByMonth(Operation):
    """Convert an existing table into one range-partitioned by month on a timestamp
    column (PostgreSQL only; nothing on SQLite, where ``make run`` keeps its plain table).

    Rows, name, id sequence, constraints, indexes and triggers are kept; the primary key
    and unique keys get the partition column added; months from the oldest row to
    ``months_ahead`` after today are created, and a default partition
    (``aftersales.partitioning.convert_to_monthly``). The migration state does not change:
    Django still sees ``id`` as the primary key, which stays unique (one sequence). Foreign
    keys that point at the table must be dropped before (``db_constraint=False``).
    Irreversible: going back means a plain table copied from the partitions, written by hand.
    """

    reduces_to_sql = False
    reversible = False

    def __init__(self, table, column, months_ahead=3):
        self.table = table
        self.column = column
        self.months_ahead = months_ahead

    def deconstruct(self):
        kwargs = {"table": self.table, "column": self.column, "months_ahead": self.months_ahead}
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label, state):
        pass  # the database only: the models and their state stay as they are

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            if self.table in partitioning.partitioned_tables(cursor):
                return  # already converted (a database restored from a later dump)
            partitioning.convert_to_monthly(
                cursor,
                self.table,
                self.column,
                today=dt.datetime.now(dt.UTC),
                months_ahead=self.months_ahead,
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        raise NotImplementedError("converting a partitioned table back is not automated")

    def describe(self):
        return f"Partition {self.table} by month on {self.column}"

    @property
    def migration_name_fragment(self):
        return f"partition_{self.table}"


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    """``AddIndex`` built with ``CREATE INDEX CONCURRENTLY`` on PostgreSQL, so adding an
    index to a table of millions takes no lock that stops writes (the migration must be
    ``atomic = False``); elsewhere (SQLite: ``make run``) a plain ``AddIndex``.
    ``django.contrib.postgres``'s operation alone fails on any other database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
