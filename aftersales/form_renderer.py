"""The form renderer: Django's templates, with the two hottest widgets drawn in Python.

A ``<select>`` is rendered by Django with one template include per ``<option>``; the
intake and customer pages carry ~220 options (product models, areas, categories), and at
that count the includes, not the database, are most of the page's server time (bench/README,
"The agent console at 1,000,000 tickets"). This renderer writes ``select.html`` and its
options directly, byte for byte what the stock templates give (tests/platform/
test_form_renderer.py compares the two), and hands every other template, and any select
whose options use a template of their own, to Django unchanged. Project templates that
override these two would be ignored, so there are none (the test asserts it).
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs):
    """django/forms/widgets/attrs.html: ``False`` drops the attribute, ``True`` writes its
    bare name, anything else ``name="value"`` (escaped)."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{conditional_escape(str(value))}"')
    return "".join(out)


def _option(option):
    value = conditional_escape(str(option["value"]))
    label = conditional_escape(option["label"])
    return f'<option value="{value}"{_attrs(option["attrs"])}>{label}</option>'


def render_select(widget):
    """The stock select.html, whitespace included, from the widget's context."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append("\n  " + _option(option) + "\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    # Every value, label and attribute above went through conditional_escape (as the stock
    # templates' autoescape does); test_form_renderer.py holds the output to theirs.
    return mark_safe("".join(parts))  # nosec B308 B703


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            widget = context["widget"]
            if all(
                option.get("template_name") == OPTION
                for _name, options, _index in widget["optgroups"]
                for option in options
            ):
                return render_select(widget)
        return super().render(template_name, context, request=request)
