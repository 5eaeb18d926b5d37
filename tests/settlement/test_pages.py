"""The settlement pages through the Django client: list and filters, build form in its
modes, the review page with its forms, exports, roles; outcomes read from the database."""

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.roles import Role
from audits.models import AuditEvent
from tickets.settlement import services
from tickets.settlement.choices import StatementStatus
from tickets.settlement.models import Statement
from tickets.settlement.selectors import STATEMENT_VIEWERS
from tickets.templatetags.tickets_ui import SETTLEMENT_ROLES

from .conftest import MONTH, local, make_outlet

pytestmark = pytest.mark.django_db
LIST = "/settlement/"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def statement(outlet, price_lists, signed_job, finance):
    signed_job(outlet, closed_at=local(2026, 10, 3, 15))
    return services.statement_build(outlet=outlet, month=MONTH, actor=finance)


def test_the_menu_and_the_selectors_agree_on_who_reads():
    assert set(SETTLEMENT_ROLES) == set(STATEMENT_VIEWERS)


def test_menu_entry_for_finance(finance):
    page = _client(finance).get("/settlement/")
    assert page.status_code == 200
    assert 'data-hotkey="g s"' in page.content.decode()


def test_list_every_filter_at_its_default_and_set(
    finance, statement, django_assert_max_num_queries
):
    other = services.statement_build(
        outlet=make_outlet("PT-07"), month=MONTH.replace(month=9), actor=finance
    )
    client = _client(finance)
    page = client.get(LIST, {"outlet": "", "month": "", "status": ""})
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == [statement, other]
    assert client.get(LIST, {"outlet": other.outlet_id}).context["page"].object_list[0] == other
    assert list(client.get(LIST, {"month": "2026-10"}).context["page"].object_list) == [statement]
    assert list(client.get(LIST, {"status": "draft"}).context["page"].object_list) == [
        statement,
        other,
    ]
    assert not client.get(LIST, {"status": "approved"}).context["page"].object_list
    bad = client.get(LIST, {"month": "someday"})
    assert bad.status_code == 400 and "YYYY-MM" in bad.content.decode()
    for index in range(8):
        services.statement_build(outlet=make_outlet(f"PQ-{index}"), month=MONTH, actor=finance)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_the_page_shows_labels_not_codes(finance, statement):
    body = _client(finance).get(reverse("settlement-statement-page", args=[statement.pk]))
    html = body.content.decode()
    assert "Repair" in html and ">repair<" not in html
    assert "Draft" in html and "¥100.00" in html


def test_build_form_modes(finance, outlet, price_lists, signed_job):
    client = _client(finance)
    page = client.get(reverse("settlement-build-page"))
    assert page.status_code == 200 and 'type="month"' in page.content.decode()
    # Invalid: no outlet, a bad month.
    bad = client.post(reverse("settlement-build-page"), {"outlet": "", "month": "x"})
    assert bad.status_code == 400 and not Statement.objects.exists()
    # A month not begun yet: the service's error beside the form.
    future = client.post(
        reverse("settlement-build-page"), {"outlet": outlet.pk, "month": "2099-01"}
    )
    assert future.status_code == 400 and not Statement.objects.exists()
    # New.
    signed_job(outlet, closed_at=local(2026, 10, 3, 15))
    done = client.post(reverse("settlement-build-page"), {"outlet": outlet.pk, "month": "2026-10"})
    statement = Statement.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/settlement/{statement.pk}/")
    assert statement.job_count == 1
    # Rebuild (from the review page's button), with the version it showed.
    signed_job(outlet, closed_at=local(2026, 10, 4, 15))
    again = client.post(
        reverse("settlement-build-page"),
        {"outlet": outlet.pk, "month": "2026-10", "version": statement.version},
    )
    assert again.status_code == 302
    statement.refresh_from_db()
    assert statement.job_count == 2
    stale = client.post(
        reverse("settlement-build-page"), {"outlet": outlet.pk, "month": "2026-10", "version": 1}
    )
    assert stale.status_code == 409


def test_submit_then_approve_through_the_forms(finance, finance2, statement):
    url = reverse("settlement-statement-page", args=[statement.pk])
    response = _client(finance).post(
        reverse("settlement-submit-page", args=[statement.pk]), {"version": statement.version}
    )
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED
    # The submitter's page offers no review.
    mine = _client(finance).get(url).content.decode()
    assert 'id="awaiting-other"' in mine and 'id="approve"' not in mine
    reviewer = _client(finance2)
    assert 'id="approve"' in reviewer.get(url).content.decode()
    done = reviewer.post(
        reverse("settlement-approve-page", args=[statement.pk]),
        {"comment": "", "version": statement.version},
    )
    assert done.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.APPROVED and statement.reviewed_by == finance2
    page = reviewer.get(url).content.decode()
    assert "locked" in page and 'id="rebuild"' not in page and 'id="approve"' not in page


def test_return_form_needs_a_comment(finance, finance2, statement):
    services.statement_submit(statement=statement, actor=finance)
    statement.refresh_from_db()
    client = _client(finance2)
    url = reverse("settlement-return-page", args=[statement.pk])
    empty = client.post(url, {"comment": "", "version": statement.version})
    assert empty.status_code == 400 and "Say why" in empty.content.decode()
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SUBMITTED
    done = client.post(url, {"comment": "Line 1 is a remote fix", "version": statement.version})
    assert done.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.RETURNED
    assert "Line 1 is a remote fix" in client.get(done["Location"]).content.decode()


def test_submitting_an_approved_statement_is_refused_on_the_page(finance, finance2, statement):
    services.statement_submit(statement=statement, actor=finance)
    services.statement_approve(statement=statement, actor=finance2)
    statement.refresh_from_db()
    response = _client(finance).post(
        reverse("settlement-submit-page", args=[statement.pk]), {"version": statement.version}
    )
    assert response.status_code == 409 and 'id="statement-error"' in response.content.decode()
    assert AuditEvent.objects.filter(action="statement.submitted").count() == 1


def test_lines_pager(finance, outlet, price_lists, signed_job, monkeypatch):
    from tickets.settlement import views

    monkeypatch.setattr(views, "LINES_PER_PAGE", 2)
    for day in (3, 4, 5):
        signed_job(outlet, closed_at=local(2026, 10, day, 15))
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    url = reverse("settlement-statement-page", args=[statement.pk])
    first = _client(finance).get(url)
    assert len(first.context["page"].object_list) == 2 and first.context["page"].has_next()
    second = _client(finance).get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_exports_download(finance, statement):
    client = _client(finance)
    for fmt, start in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        response = client.get(reverse("settlement-export-page", args=[statement.pk, fmt]))
        assert response.status_code == 200 and response.content.startswith(start), fmt
    assert (
        client.get(reverse("settlement-export-page", args=[statement.pk, "doc"])).status_code == 404
    )


def test_dispatcher_reads_own_outlet_only_without_forms(make_user, outlet, finance, statement):
    dispatcher = make_user(Role.OUTLET_DISPATCHER)
    outlet.dispatchers.add(dispatcher)
    client = _client(dispatcher)
    url = reverse("settlement-statement-page", args=[statement.pk])
    assert client.get(url).status_code == 404  # a draft
    services.statement_submit(statement=statement, actor=finance)
    html = client.get(url).content.decode()
    assert 'id="submit-review"' not in html and 'id="rebuild"' not in html
    assert "Build a statement" not in client.get(LIST).content.decode()
    assert client.get(reverse("settlement-build-page")).status_code == 403
    assert (
        client.post(
            reverse("settlement-approve-page", args=[statement.pk]), {"version": 1}
        ).status_code
        == 403
    )
    other = services.statement_build(outlet=make_outlet("PT-08"), month=MONTH, actor=finance)
    services.statement_submit(statement=other, actor=finance)
    assert client.get(reverse("settlement-statement-page", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN])
def test_other_roles_get_403(role, make_user, statement):
    client = _client(make_user(role))
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("settlement-statement-page", args=[statement.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(statement):
    response = Client().get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_chinese_page(finance, statement):
    client = _client(finance)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "结算" in html


def test_admin_is_read_only_for_supervisors(supervisor_admin, statement):
    changelist = supervisor_admin.get("/admin/settlement/statement/")
    assert changelist.status_code == 200 and statement.outlet.code in changelist.content.decode()
    detail = supervisor_admin.get(f"/admin/settlement/statement/{statement.pk}/change/")
    assert detail.status_code == 200
    assert supervisor_admin.get("/admin/settlement/statement/add/").status_code == 403
    lines = supervisor_admin.get("/admin/settlement/statementline/")
    assert lines.status_code == 200
    before = Statement.objects.get(pk=statement.pk).total
    supervisor_admin.post(f"/admin/settlement/statement/{statement.pk}/change/", {"total": "1.00"})
    assert Statement.objects.get(pk=statement.pk).total == before


def test_demo_is_idempotent(outlet, price_lists, signed_job):
    import io

    from django.core.management import call_command
    from django.utils import timezone

    # Signed now, as the demo's tickets are: one moves into last month, one stays.
    signed_job(outlet=None, closed_at=timezone.now(), completed_at=timezone.now())
    signed_job(outlet=None, closed_at=timezone.now(), completed_at=timezone.now())
    call_command("seed_demo_settlement", stdout=io.StringIO())
    call_command("seed_demo_settlement", stdout=io.StringIO())
    statements = Statement.objects.filter(outlet__code="PT-DEMO")
    assert statements.count() == 2
    assert {s.status for s in statements} == {StatementStatus.SUBMITTED, StatementStatus.DRAFT}
    assert sum(s.job_count for s in statements) == 2


def test_review_page_queries_do_not_grow_with_lines(
    finance, outlet, price_lists, signed_job, django_assert_max_num_queries
):
    for day in (3, 4, 5, 6):
        signed_job(outlet, closed_at=local(2026, 10, day, 15))
    statement = services.statement_build(outlet=outlet, month=MONTH, actor=finance)
    client = _client(finance)
    url = reverse("settlement-statement-page", args=[statement.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        assert len(client.get(url).context["page"].object_list) == 4
