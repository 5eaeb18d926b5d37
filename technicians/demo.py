"""Demo rows for the supervisors' technician pages (``manage.py seed_demo``): training
records and absences, so the roster shows hours against the thresholds and a leave, and a
technician's page has history. Recorded once, through the services (audited)."""

import datetime

from django.utils import timezone

from .models import Absence, TrainingRecord
from .services import absence_create, training_record_create

# (employee number, course, days ago, theory hours, practical hours, score)
TRAINING = [
    ("T00001", "Refrigerant handling and safety 制冷剂安全操作", 40, 12, 6, 92),
    ("T00001", "Inverter air conditioner diagnostics 变频空调诊断", 120, 10, 6, 88),
    ("T00002", "Electrical safety refresher 电工安全复训", 60, 8, 2, 95),
    ("T00003", "Washer drum bearing replacement 洗衣机轴承更换", 200, 6, 8, 81),
    ("T00003", "Customer service etiquette 服务礼仪", 30, 16, 4, 90),
]
# (employee number, kind, starts in days, length in days, note)
ABSENCES = [
    ("T00002", "leave", 5, 3, "Annual leave 年假"),
    ("T00003", "training", 12, 2, "Brand certification course 品牌认证培训"),
    ("T00001", "sick", -20, 2, ""),
]


def seed_demo_technician_papers(*, actor, technicians):
    by_number = {t.employee_no: t for t in technicians}
    today = timezone.localdate()
    if not TrainingRecord.objects.filter(technician__in=technicians).exists():
        for employee_no, course, ago, theory, practical, score in TRAINING:
            training_record_create(
                actor=actor,
                technician=by_number[employee_no],
                course=course,
                completed_on=today - datetime.timedelta(days=ago),
                theory_hours=theory,
                practical_hours=practical,
                score=score,
            )
    if not Absence.objects.filter(technician__in=technicians).exists():
        for employee_no, kind, starts_in, days, note in ABSENCES:
            starts_on = today + datetime.timedelta(days=starts_in)
            absence_create(
                actor=actor,
                technician=by_number[employee_no],
                kind=kind,
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=days - 1),
                note=note,
            )
