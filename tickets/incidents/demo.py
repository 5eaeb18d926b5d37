"""Demo incident for ``seed_demo``: a major incident about the demo air conditioners in
Pudong, its rule, the tickets it links, one stage reached and a drafted notice.
Idempotent (by title), written through the services."""

import datetime

from django.utils import timezone

from tickets.models import Area, ProductModel

from . import services
from .models import Incident

TITLE = "Capacitor batch failure 电容批次故障"


def seed_demo_incidents(*, actor):
    if Incident.objects.filter(title=TITLE).exists():
        return
    incident = services.incident_declare(
        actor=actor,
        title=TITLE,
        grade="major",
        description="Split units of one capacitor lot stop cooling after a few minutes.",
    )
    models = list(ProductModel.objects.filter(code="KFR-35GW"))
    if models:
        services.incident_rule_set(
            incident=incident,
            actor=actor,
            product_models=models,
            areas=list(Area.objects.filter(code="pudong")),
            created_from=timezone.now() - datetime.timedelta(days=30),
            created_until=timezone.now() + datetime.timedelta(days=30),
        )
        services.incident_link_by_rule(incident=incident, actor=actor)
    services.incident_respond(incident=incident, actor=actor, note="Field team briefed")
    services.incident_notice_draft(
        incident=incident,
        actor=actor,
        subject="Free capacitor replacement 免费更换电容",
        body="We will call you to book a free replacement of the capacitor.",
    )
