"""Expense claims (报销): filing, the approval chain from configuration, its order and
roles, the threshold of the general manager's step, and concurrent decisions."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from aftersales.exceptions import ActionForbidden, ApplicationError, StaleVersion
from aftersales.platform.models import Notification
from audits.models import AuditEvent
from tests.costs.conftest import approve_all, receipt_png
from tests.tickets.factories import TechnicianFactory
from tickets.costs import services
from tickets.costs.choices import ClaimStatus
from tickets.costs.models import ExpenseApproval, ExpenseClaim
from tickets.costs.services import approval_steps

pytestmark = pytest.mark.django_db

CHAIN = [
    {"role": "supervisor"},
    {"role": "finance"},
    {"role": "manager", "above": "2000.00"},
]


def test_approval_steps_add_the_manager_only_above_the_threshold():
    assert approval_steps(Decimal("2000.00"), CHAIN) == ["supervisor", "finance"]
    assert approval_steps(Decimal("2000.01"), CHAIN) == ["supervisor", "finance", "manager"]
    assert approval_steps(Decimal("5"), [{"role": "finance"}]) == ["finance"]


def test_filing_numbers_the_claim_and_freezes_its_chain(file_claim, technician, supervisor):
    claim = file_claim("120.00")
    assert claim.number == f"BX-{timezone.localdate().year}-000001"
    assert claim.status == ClaimStatus.PENDING
    assert claim.steps == ["supervisor", "finance"]
    assert claim.waiting_role == "supervisor"
    assert claim.receipt_content_type == "image/png"
    assert claim.claimant == technician.user
    assert file_claim("5.00").number.endswith("000002")
    event = AuditEvent.objects.get(action="expense_claim.filed", object_id=str(claim.pk))
    assert event.changes["steps"] == ["supervisor", "finance"]
    # The first step's approvers are told, through the outbox.
    assert Notification.objects.filter(kind="expense_claim_step", user=supervisor).exists()


def test_a_claim_under_the_threshold_is_approved_by_supervisor_then_finance(
    file_claim, supervisor, finance, technician
):
    claim = file_claim("2000.00")
    claim = services.expense_claim_approve(claim=claim, actor=supervisor, comment="ok")
    assert claim.status == ClaimStatus.PENDING and claim.waiting_role == "finance"
    claim = services.expense_claim_approve(claim=claim, actor=finance)
    assert claim.status == ClaimStatus.APPROVED
    assert claim.decided_at is not None
    assert list(claim.approvals.values_list("step", "role", "decision")) == [
        (0, "supervisor", "approved"),
        (1, "finance", "approved"),
    ]
    # The claimant heard of each decision.
    assert (
        Notification.objects.filter(kind="expense_claim_decision", user=technician.user).count()
        == 2 * 2
    )  # two decisions, e-mail and inbox each


def test_a_claim_over_the_threshold_needs_the_general_managers_approval(
    file_claim, supervisor, finance, manager
):
    claim = approve_all(file_claim("2000.01"), supervisor, finance)
    assert claim.status == ClaimStatus.PENDING
    assert claim.waiting_role == "manager"
    claim = services.expense_claim_approve(claim=claim, actor=manager)
    assert claim.status == ClaimStatus.APPROVED
    assert claim.approvals.count() == 3


def test_the_chain_comes_from_the_setting(settings, file_claim, finance):
    settings.EXPENSE_APPROVAL_CHAIN = [{"role": "finance"}]
    claim = file_claim("9000.00")
    assert claim.steps == ["finance"]
    assert services.expense_claim_approve(claim=claim, actor=finance).status == "approved"


@pytest.mark.parametrize("who", ["finance", "manager", "agent"])
def test_steps_go_in_order_by_the_right_role(who, file_claim, make_user, request):
    actor = request.getfixturevalue(who) if who != "agent" else make_user("agent")
    claim = file_claim("3000.00")
    with pytest.raises(ActionForbidden):
        services.expense_claim_approve(claim=claim, actor=actor)
    claim.refresh_from_db()
    assert claim.current_step == 0 and claim.version == 1
    assert not ExpenseApproval.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="expense_claim.approved").exists()


def test_nobody_approves_their_own_claim(file_claim, make_user):
    # A technician who is also a supervisor files: their own step is refused.
    both = TechnicianFactory(user__username="tech-sup")
    from django.contrib.auth.models import Group

    both.user.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    claim = file_claim("50.00", by=both)
    with pytest.raises(ActionForbidden):
        services.expense_claim_approve(claim=claim, actor=both.user)
    assert not ExpenseApproval.objects.exists()


def test_one_person_does_not_decide_two_steps(file_claim, make_user):
    from django.contrib.auth.models import Group

    boss = make_user("supervisor", username="boss")
    boss.groups.add(Group.objects.get_or_create(name="finance")[0])
    claim = services.expense_claim_approve(claim=file_claim("80.00"), actor=boss)
    with pytest.raises(ActionForbidden):
        services.expense_claim_approve(claim=claim, actor=boss)
    assert ExpenseApproval.objects.count() == 1


def test_rejection_needs_a_reason_and_ends_the_claim(file_claim, supervisor, finance, technician):
    claim = file_claim("80.00")
    with pytest.raises(ValidationError):
        services.expense_claim_reject(claim=claim, actor=supervisor, comment=" ")
    assert not ExpenseApproval.objects.exists()
    claim = services.expense_claim_reject(claim=claim, actor=supervisor, comment="No receipt date")
    assert claim.status == ClaimStatus.REJECTED and claim.waiting_role == ""
    with pytest.raises(ApplicationError) as err:
        services.expense_claim_approve(claim=claim, actor=finance)
    assert err.value.code == "invalid_transition"
    note = Notification.objects.filter(kind="expense_claim_decision", user=technician.user).first()
    assert "No receipt date" in note.body


def test_a_stale_version_is_refused(file_claim, supervisor):
    claim = file_claim("80.00")
    with pytest.raises(StaleVersion):
        services.expense_claim_approve(claim=claim, actor=supervisor, version=7)
    assert not ExpenseApproval.objects.exists()


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("amount", {"amount": Decimal("0")}),
        ("amount", {"amount": Decimal("1.234")}),
        ("amount", {"amount": Decimal("50000.01")}),
        ("spent_on", {"spent_on": datetime.date.today() + datetime.timedelta(days=3)}),
        ("spent_on", {"spent_on": datetime.date.today() - datetime.timedelta(days=120)}),
        ("kind", {"kind": "casino"}),
        ("receipt", {"receipt": None}),
    ],
)
def test_filing_refuses_bad_input_and_writes_nothing(field, values, technician):
    data = {
        "kind": "toll",
        "amount": Decimal("10.00"),
        "spent_on": timezone.localdate(),
        "receipt": receipt_png(),
    }
    data.update(values)
    with pytest.raises(ValidationError) as err:
        services.expense_claim_file(actor=technician.user, **data)
    assert field in err.value.message_dict
    assert not ExpenseClaim.objects.exists()


def test_a_large_receipt_photo_is_stored_scaled_down(settings, technician):
    from PIL import Image

    settings.TICKET_PHOTO_MAX_SIDE = 200
    claim = services.expense_claim_file(
        actor=technician.user,
        kind="meal",
        amount=Decimal("30"),
        spent_on=timezone.localdate(),
        receipt=receipt_png(size=(800, 400)),
    )
    with claim.receipt.open("rb") as handle, Image.open(handle) as image:
        assert image.size == (200, 100) and image.format == "PNG"


def test_filing_refuses_a_file_that_is_not_an_image(technician):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("receipt.png", b"<html>not a receipt</html>", "image/png")
    with pytest.raises(ValidationError) as err:
        services.expense_claim_file(
            actor=technician.user,
            kind="toll",
            amount=Decimal("10"),
            spent_on=timezone.localdate(),
            receipt=fake,
        )
    assert "receipt" in err.value.message_dict
    assert not ExpenseClaim.objects.exists()


def test_only_technicians_file_and_only_for_their_own_jobs(
    supervisor, technician, completed_job, file_claim
):
    with pytest.raises(ActionForbidden):
        services.expense_claim_file(
            actor=supervisor,
            kind="toll",
            amount=Decimal("10"),
            spent_on=timezone.localdate(),
            receipt=receipt_png(),
        )
    job = completed_job()
    other = TechnicianFactory(user__username="tech-other")
    with pytest.raises(ValidationError) as err:
        file_claim("10.00", ticket=job, by=other)
    assert "ticket" in err.value.message_dict
    assert file_claim("10.00", ticket=job).ticket == job
    assert ExpenseClaim.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_neither_skip_nor_double_a_step(file_claim, make_user):
    """Two supervisors approve the same claim at once: exactly one decides step 0; the
    other is refused (the step moved on to finance, which is not their role)."""
    claim = file_claim("3000.00")
    actors = [make_user("supervisor", username=f"sup{i}") for i in range(2)]
    barrier = threading.Barrier(len(actors))
    outcomes = []

    def approve(actor):
        try:
            barrier.wait(timeout=10)
            services.expense_claim_approve(claim=claim, actor=actor)
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["forbidden", "ok"]
    claim.refresh_from_db()
    assert claim.current_step == 1 and claim.waiting_role == "finance"
    assert list(ExpenseApproval.objects.values_list("step", flat=True)) == [0]


@pytest.mark.django_db(transaction=True)
def test_claim_numbers_have_no_gaps_under_concurrency(make_user):
    techs = [TechnicianFactory(user__username=f"tech-n{i}") for i in range(4)]
    barrier = threading.Barrier(len(techs))
    errors = []

    def file(tech):
        try:
            barrier.wait(timeout=10)
            services.expense_claim_file(
                actor=tech.user,
                kind="parking",
                amount=Decimal("6.00"),
                spent_on=timezone.localdate(),
                receipt=receipt_png(),
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(t,)) for t in techs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    numbers = sorted(ExpenseClaim.objects.values_list("number", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"BX-{year}-{n:06d}" for n in range(1, 5)]
