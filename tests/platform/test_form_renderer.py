"""The Python-drawn select gives byte for byte the HTML of Django's own templates."""

from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates

from aftersales.form_renderer import FormRenderer


class _Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "---"), ("a", "A & B"), ("b", '"quoted" <b>')])
    grouped = forms.ChoiceField(
        choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("x", "Loose")],
        widget=forms.Select(attrs={"data-autosubmit": True, "aria-describedby": "h<1>"}),
    )
    many = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two"), (3, "三")])
    numbers = forms.TypedChoiceField(choices=[(1, "1"), (2, "2")], coerce=int, disabled=True)
    optional = forms.ChoiceField(choices=[("x", "X")], required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "a", "grouped": "pear", "many": ["1", "3"], "numbers": "2"},
        {"plain": "<script>", "grouped": "", "many": []},
    ],
)
def test_every_select_renders_exactly_as_the_stock_templates(data):
    ours = _Everything(data=data, renderer=FormRenderer())
    stock = _Everything(data=data, renderer=DjangoTemplates())
    for name in ours.fields:
        assert str(ours[name]) == str(stock[name]), name
    assert "<option" in str(ours["plain"])


def test_an_option_with_a_template_of_its_own_goes_to_the_templates():
    class Special(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    field = forms.ChoiceField(choices=[("a", "A")], widget=Special)
    ours = forms.Form(renderer=FormRenderer())
    ours.fields["f"] = field
    stock = forms.Form(renderer=DjangoTemplates())
    stock.fields["f"] = field
    assert str(ours["f"]) == str(stock["f"])
    assert "<label><input" in str(ours["f"])  # the option's own template was used


def test_the_project_does_not_override_the_templates_it_draws_in_python():
    assert settings.FORM_RENDERER == "aftersales.form_renderer.FormRenderer"
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for name in ("select.html", "select_option.html", "attrs.html"):
            assert not (Path(directory) / "django/forms/widgets" / name).exists()
