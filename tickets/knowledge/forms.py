"""Forms of the knowledge pages: the editor, feedback, the question and the answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import ProductCategory, ProductModel


def _area(rows):
    return forms.Textarea(attrs={"rows": rows})


class ArticleForm(forms.Form):
    """The editor: saving publishes a new version (``article_version_publish``)."""

    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200, required=False)
    symptoms_en = forms.CharField(label=_("Symptoms (English)"), required=False, widget=_area(3))
    symptoms_zh = forms.CharField(label=_("Symptoms (Chinese)"), required=False, widget=_area(3))
    causes_en = forms.CharField(label=_("Likely causes (English)"), required=False, widget=_area(3))
    causes_zh = forms.CharField(label=_("Likely causes (Chinese)"), required=False, widget=_area(3))
    steps_en = forms.CharField(
        label=_("Fix steps (English)"),
        required=False,
        widget=_area(5),
        help_text=_("One step a line, in order."),
    )
    steps_zh = forms.CharField(
        label=_("Fix steps (Chinese)"),
        required=False,
        widget=_area(5),
        help_text=_("One step a line, in order."),
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ArticleCreateForm(ArticleForm):
    category = forms.ModelChoiceField(
        label=_("Product category"), queryset=ProductCategory.objects.all()
    )
    product_model = forms.ModelChoiceField(
        label=_("Product model"),
        queryset=ProductModel.objects.all(),
        required=False,
        help_text=_("Only when the fault is of one model."),
    )
    field_order = ["category", "product_model"]


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Your question"), max_length=5000, widget=_area(3))
    category = forms.ModelChoiceField(
        label=_("Product category"), queryset=ProductCategory.objects.all(), required=False
    )
    ticket = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=5000, widget=_area(5))
    draft_article = forms.BooleanField(
        label=_("Start a knowledge article draft from this answer"), required=False
    )
