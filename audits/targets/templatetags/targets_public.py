"""``{% promise line policy %}``: a target line in the customer's words, with the default
SLA policy's hours where the metric has them."""

from django import template
from django.utils.formats import number_format

register = template.Library()


def _plain(number):
    return number_format(number.normalize() if number == number.to_integral() else number)


@register.simple_tag
def promise(line, policy=None):
    spec = line.spec
    values = {"value": _plain(line.value)}
    if policy is not None and spec.hours_field:
        values["hours"] = _plain(getattr(policy, spec.hours_field))
        return spec.promise_hours % values
    return spec.promise % values
