"""Drive the Django admin like a browser: read a change form, post it back edited."""

from django import forms


def form_data(page, **changes):
    """The POST body a browser would send for the admin form on ``page`` (the main form,
    every inline's management form and rows), with ``changes`` applied on top."""
    context = page.context
    data = {}
    forms_on_page = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        forms_on_page += formset.forms
    for form in forms_on_page:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field, forms.FileField):
                continue  # an untouched file input sends nothing
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
                continue
            data[bound.html_name] = "" if value is None else value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def errors_of(page):
    """Every error on a re-rendered admin form (main form and inlines), as text."""
    context = page.context
    texts = [str(e) for e in context["adminform"].form.errors.values()]
    for inline in context["inline_admin_formsets"]:
        texts += [str(e) for e in inline.formset.non_form_errors()]
        texts += [str(e) for form in inline.formset.forms for e in form.errors.values()]
    return " ".join(texts)
