"""Demo survey data for ``seed_demo``: a return visit of its own for complaints (the
standard one comes with the migrations), active. Idempotent, written through the services."""

from tickets.choices import TicketCategory

from . import services
from .models import SurveyTemplate

COMPLAINT_QUESTIONS = [
    {"key": "timeliness", "text_en": "Did we deal with your complaint in time?",
     "text_zh": "我们是否及时处理了您的投诉？"},
    {"key": "attitude", "text_en": "How did our staff treat you?",
     "text_zh": "工作人员的态度如何？"},
    {"key": "skill", "text_en": "Was the cause found and fixed?",
     "text_zh": "问题原因是否查明并解决？"},
    {"key": "cleanliness", "text_en": "Was the site left clean?",
     "text_zh": "服务后现场是否整洁？"},
    {"key": "overall", "text_en": "How satisfied are you overall with how we handled it?",
     "text_zh": "您对投诉处理的总体满意度如何？"},
    {"key": "resolved", "kind": "yes_no", "required": False,
     "text_en": "Is your complaint resolved?", "text_zh": "您的投诉是否已解决？"},
]  # fmt: skip


def seed_demo_surveys(*, actor):
    services.standard_template_ensure()
    template = SurveyTemplate.objects.filter(code="complaint").order_by("-version").first()
    if template is None:
        template = services.template_create(
            actor=actor,
            code="complaint",
            title_en="Complaint return visit",
            title_zh="投诉回访",
            category=TicketCategory.COMPLAINT,
            questions=COMPLAINT_QUESTIONS,
        )
    if template.status != "active":
        services.template_activate(template=template, actor=actor)
