"""Migration operations of our own (used by the migrations; imports nothing of the apps)."""

from django.contrib.postgres.operations import (
    AddIndexConcurrently as PostgresAddIndexConcurrently,
)
from django.db.migrations.operations import AddIndex
from django.db.migrations.operations.base import Operation


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
