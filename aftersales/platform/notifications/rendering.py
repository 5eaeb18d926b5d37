"""Rendering a notification in the recipient's language from its templates.

Each kind has ``templates/notifications/<kind>/subject.txt`` (one line), ``body.txt`` and
``sms.txt`` (the parameters of the provider's approved SMS template, one ``name=value`` a
line: China's SMS services take a template id and parameters, never free text). They are
rendered under ``translation.override(language)`` without HTML escaping; lazy labels in
the context (``TextChoices.label``, ``gettext_lazy``) come out in that language too.
"""

import dataclasses

from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms_params: dict


def _render(name, context):
    template = get_template(name).template  # the engine's own Template: no autoescape
    return template.render(Context(context, autoescape=False))


def render_notification(kind, context, language):
    """The subject, body and SMS parameters of ``kind`` for ``context`` in ``language``."""
    with translation.override(language):
        subject = " ".join(_render(f"notifications/{kind}/subject.txt", context).split())
        body = _render(f"notifications/{kind}/body.txt", context).strip()
        try:
            sms = _render(f"notifications/{kind}/sms.txt", context)
        except TemplateDoesNotExist:
            sms = ""
    params = {}
    for line in sms.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            params[name.strip()] = value.strip()
    return Rendered(subject=subject[:255], body=body, sms_params=params)
