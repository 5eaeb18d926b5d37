"""The standard return visit (服务回访), active for every service type: four aspects rated
1–5, the overall score, whether the fault is solved and a suggestion. Supervisors revise it
(a new version) or activate their own."""

from django.db import migrations
from django.utils import timezone

QUESTIONS = [
    ("timeliness", "rating", True, "Did the technician arrive and finish on time?",
     "服务人员是否按时上门并按时完成？"),
    ("attitude", "rating", True, "How was the service attitude?", "服务态度如何？"),
    ("skill", "rating", True, "How skilled was the repair?", "维修技术水平如何？"),
    ("cleanliness", "rating", True, "Was the site left clean?", "服务后现场是否整洁？"),
    ("overall", "rating", True, "How satisfied are you overall?", "总体满意度如何？"),
    ("solved", "yes_no", False, "Is the fault solved?", "故障是否已解决？"),
    ("suggestion", "text", False, "Anything we should do better?", "您对我们还有什么建议？"),
]  # fmt: skip


def create(apps, schema_editor):
    Template = apps.get_model("surveys", "SurveyTemplate")
    Question = apps.get_model("surveys", "SurveyQuestion")
    if Template.objects.filter(code="standard").exists():
        return
    now = timezone.now()
    template = Template.objects.create(
        code="standard",
        version=1,
        title_en="Return visit",
        title_zh="服务回访",
        category="",
        status="active",
        created_at=now,
        activated_at=now,
    )
    Question.objects.bulk_create(
        Question(template=template, position=i, key=key, kind=kind, required=required,
                 text_en=en, text_zh=zh)
        for i, (key, kind, required, en, zh) in enumerate(QUESTIONS, start=1)
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
