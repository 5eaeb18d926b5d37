"""``{% promise line %}``: a target line in the customer's words."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def promise(line):
    value = line.value.normalize() if line.value == line.value.to_integral() else line.value
    return line.spec.promise % {"value": number_format(value)}
