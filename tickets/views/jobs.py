"""The technician's jobs and papers."""

import datetime

from django.conf import settings
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone

from aftersales.roles import Role
from technicians.models import Technician
from technicians.selectors import certification_list, training_compliance

from ..choices import TicketStatus
from ..selectors import ticket_list
from .common import role_required


@role_required(Role.TECHNICIAN)
def my_jobs_page(request):
    """The technician's open jobs in visit order: what is on today first, then what comes."""
    jobs = (
        ticket_list(user=request.user)
        .with_product()
        .filter(
            technician__user=request.user,
            status__in=[
                TicketStatus.DISPATCHED,
                TicketStatus.ON_SITE,
                TicketStatus.AWAITING_CONFIRMATION,
            ],
        )
        .order_by(F("appointment_start").asc(nulls_last=True), "id")
    )
    now = timezone.now()
    today = timezone.localdate(now)
    current, upcoming = [], []
    for job in jobs:
        day = timezone.localdate(job.appointment_start) if job.appointment_start else today
        late = job.status == TicketStatus.DISPATCHED and job.appointment_end < now
        (upcoming if day > today and job.status == TicketStatus.DISPATCHED else current).append(
            {"ticket": job, "late": late, "today": day == today}
        )
    return render(
        request,
        "tickets/my_jobs.html",
        {"current": current, "upcoming": upcoming, "today": today, **_papers(request.user, today)},
    )


def _papers(user, today):
    """The technician's own certificates (status as of today) and training year."""
    technician = Technician.objects.filter(user=user).first()
    if technician is None:
        return {}
    certificates = [
        {"certificate": c, "status": c.status_on(today)}
        for c in certification_list(user=user).filter(technician=technician)
        if c.revoked_at is None and c.expires_on >= today - datetime.timedelta(days=365)
    ]
    training = training_compliance(technician_ids=[technician.pk], day=today)[technician.pk]
    return {
        "certificates": certificates,
        "training": training,
        "training_min": (settings.TRAINING_MIN_THEORY_HOURS, settings.TRAINING_MIN_PRACTICAL_HOURS),
    }
