"""Service targets in the admin: read-only lists and pages for a supervisor."""

import pytest

from audits.targets import services

from .conftest import APRIL_2ND

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["targetset", "targetbreakdown", "targetresult"])
def test_the_admin_lists_and_shows_read_only(supervisor_admin, approved, march_tickets, model):
    services.target_set_evaluate(target_set=approved, actor=None, today=APRIL_2ND)
    listing = supervisor_admin.get(f"/admin/targets/{model}/")
    assert listing.status_code == 200
    assert supervisor_admin.get(f"/admin/targets/{model}/add/").status_code == 403


def test_the_set_page_shows_its_lines(supervisor_admin, approved):
    page = supervisor_admin.get(f"/admin/targets/targetset/{approved.pk}/change/")
    assert page.status_code == 200
    assert b"First-time fix" in page.content
