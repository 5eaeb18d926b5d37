"""Admin building blocks shared by the apps.

``ServiceModelAdmin`` (with ``ServiceInline`` for its inlines) is how an admin screen
writes: every create, update and delete calls the app's service with
``actor=request.user``, so the rules the API runs (normalisation, row locks, date checks,
the audit event) run here too. A service's refusal — a ``ValidationError`` or an
``ApplicationError`` — rolls the whole save back (the admin's own atomic block) and the
form is shown again with the refusal as its errors: status 200, nothing half-saved.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .exceptions import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes; nobody edits them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceRefused(Exception):
    """A service refused an admin write; ``error`` is the ``ValidationError`` to show."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def service_call(function, /, *args, **kwargs):
    """Call a service for the admin: its refusals become ``ServiceRefused``."""
    try:
        return function(*args, **kwargs)
    except ValidationError as error:
        raise ServiceRefused(error) from error
    except ApplicationError as error:
        raise ServiceRefused(ValidationError(error.message, code=error.code)) from error


def refusal_messages(error, model=None):
    """The messages of a service's ``ValidationError``, each named by its field."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    texts = []
    for field, errors in error.error_dict.items():
        for message in ValidationError(errors).messages:
            named = field not in (NON_FIELD_ERRORS, "non_field_errors")
            texts.append(f"{_field_label(model, field)}: {message}" if named else message)
    return texts


def _field_label(model, field):
    try:
        return capfirst(model._meta.get_field(field).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return field


def add_service_errors(form, error):
    """Put a service's refusal on ``form``: on the field where the form has it, at the
    top (named) otherwise — a read-only field, an inline's field, the whole object."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            texts = ValidationError(errors).messages
            if field in form.fields:
                form.add_error(field, texts)
            elif field in (NON_FIELD_ERRORS, "non_field_errors"):
                form.add_error(None, texts)
            else:
                form.add_error(None, [f"{_field_label(model, field)}: {t}" for t in texts])
    else:
        form.add_error(None, error.messages)
    if form.is_bound and not form._errors:  # an empty refusal still refuses
        form.add_error(None, _("The change was refused."))


class _RefusedForm:
    """Mixed in front of the admin's form on the second pass after a refusal."""

    service_error = None

    def _post_clean(self):
        super()._post_clean()
        add_service_errors(self, self.service_error)


class ServiceHooks:
    """The three writes an admin (or an inline) implements by calling its services.

    A hook left unimplemented means the admin cannot do that write: no add button, a
    view-only change page, no delete. ``service_message`` queues a message that is shown
    only if the whole save succeeds.
    """

    def service_create(self, *args):
        raise NotImplementedError

    def service_update(self, request, obj, form):
        raise NotImplementedError

    def service_delete(self, request, obj):
        raise NotImplementedError

    def _implements(self, hook):
        return getattr(type(self), hook) is not getattr(ServiceHooks, hook)

    def has_add_permission(self, request, *args):
        return self._implements("service_create") and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._implements("service_update") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._implements("service_delete") and super().has_delete_permission(request, obj)

    @staticmethod
    def service_message(request, message, level=messages.INFO):
        if not hasattr(request, "_admin_service_messages"):
            request._admin_service_messages = []
        request._admin_service_messages.append((level, message))


def _stored(obj):
    """The row as stored: the admin's form has already copied its values onto ``obj``."""
    return type(obj)._default_manager.get(pk=obj.pk)


def _adopt(obj, saved):
    """Make the admin's ``obj`` the row the service saved (logs, redirects, inlines)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding, obj._state.db = False, saved._state.db


def _delete_selected_through_services(modeladmin, request, queryset):
    """Django's bulk delete, all or nothing: each row through the service."""
    try:
        with transaction.atomic(using=router.db_for_write(modeladmin.model)):
            return delete_selected(modeladmin, request, queryset)
    except ServiceRefused as refused:
        for text in refusal_messages(refused.error, modeladmin.model):
            modeladmin.message_user(request, text, messages.ERROR)
        return None


class ServiceModelAdmin(ServiceHooks, admin.ModelAdmin):
    """A ModelAdmin whose every write goes through the app's services.

    Implement ``service_create(request, form)`` and ``service_update(request, obj, form)``
    (``obj`` is the row as stored; read ``form.cleaned_data`` / ``form.changed_data``),
    each returning the saved object, and ``service_delete(request, obj)``. Inlines are
    ``ServiceInline``s. The services record their own audit events, so the generic
    admin audit (``audits.admin.AuditedAdminMixin``) stands aside.
    """

    audited_by_service = True
    save_as = False

    # --- the form: a refusal is shown on it ---------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_admin_service_refused", None)
        if error is None:
            return form
        return type(form.__name__, (_RefusedForm, form), {"service_error": error})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # Django's atomic block around the view has rolled the whole save back (the
            # object, its inlines, the log entry); render the posted form again, with the
            # refusal as its errors. On that pass the form is invalid, so nothing is saved.
            request._admin_service_refused = refused.error
            request._admin_service_messages = []
            return super().changeform_view(request, object_id, form_url, extra_context)

    # --- saves ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            saved = service_call(self.service_update, request, _stored(obj), form)
        else:
            saved = service_call(self.service_create, request, form)
        _adopt(obj, saved)
        form.instance = obj

    def save_related(self, request, form, formsets, change):
        # No ``form.save_m2m()``: the services set the many-to-many fields they accept.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        deleted = formset.deleted_forms if formset.can_delete else []
        changed = [f for f in formset.initial_forms if f not in deleted and f.has_changed()]
        added = [f for f in formset.extra_forms if f not in deleted and f.has_changed()]
        deleted = [f for f in deleted if f.instance.pk is not None]
        # What ``formset.save()`` would leave for the admin's change message (LogEntry).
        formset.deleted_objects = [f.instance for f in deleted]
        formset.changed_objects = [(f.instance, f.changed_data) for f in changed]
        formset.new_objects = [f.instance for f in added]
        if not (deleted or changed or added):
            return
        inline = getattr(formset, "service_inline", None)
        if inline is None:
            raise TypeError(f"{type(formset).__name__} saves without a service (ServiceInline)")
        for inline_form in deleted:
            service_call(inline.service_delete, request, _stored(inline_form.instance))
        for inline_form in changed:
            service_call(inline.service_update, request, _stored(inline_form.instance), inline_form)
        for inline_form in added:
            saved = service_call(inline.service_create, request, inline_form, formset.instance)
            _adopt(inline_form.instance, saved)

    def response_add(self, request, obj, post_url_continue=None):
        self._flush_service_messages(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._flush_service_messages(request)
        return super().response_change(request, obj)

    def _flush_service_messages(self, request):
        for level, message in getattr(request, "_admin_service_messages", ()):
            self.message_user(request, message, level)
        request._admin_service_messages = []

    # --- deletes ----------------------------------------------------------------------

    def delete_model(self, request, obj):
        service_call(self.service_delete, request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            service_call(self.service_delete, request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:  # rolled back by the view's atomic block
            for text in refusal_messages(refused.error, self.model):
                self.message_user(request, text, messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _function, name, description = actions["delete_selected"]
            actions[name] = (_delete_selected_through_services, name, description)
        return actions

    def run_service_action(self, request, queryset, function, done_message):
        """An admin action calling ``function(request, obj)`` per object, each in its own
        savepoint: refusals are reported per object, the others go through."""
        done = 0
        for obj in queryset:
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    service_call(function, request, obj)
            except ServiceRefused as refused:
                for text in refusal_messages(refused.error, self.model):
                    self.message_user(request, f"{obj}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        return done


class ServiceInline(ServiceHooks):
    """Mixed into an inline of a ``ServiceModelAdmin``: its rows are saved through
    ``service_create(request, form, parent)``, ``service_update(request, obj, form)``
    and ``service_delete(request, obj)``."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.service_inline = self  # a class made for this request: safe to mark
        return formset
