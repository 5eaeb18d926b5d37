"""The demo data of service targets: created through the services, idempotent."""

import pytest

from audits.models import QualityAudit
from audits.targets.choices import TargetSetStatus
from audits.targets.demo import seed_demo_targets
from audits.targets.models import TargetSet

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent(supervisor, manager):
    created = seed_demo_targets()
    assert len(created) == 3
    assert set(TargetSet.objects.values_list("status", flat=True)) == {
        TargetSetStatus.APPROVED,
        TargetSetStatus.SUBMITTED,
    }
    assert TargetSet.objects.filter(evaluated_at__isnull=False).count() == 1
    assert QualityAudit.objects.count() == 1
    assert seed_demo_targets() == []
    assert TargetSet.objects.count() == 3
