"""The audit trail: an event for each kind of change, before/after values, append-only,
tamper-evident (hash chain + audit_verify), and the PostgreSQL safety net for bulk writes."""

import threading

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audits.chain import audit_seal, audit_verify
from audits.models import AuditEvent
from audits.services import audit_record
from tests.tickets.factories import AreaFactory, CustomerFactory, advance, make_ticket
from tickets.models import Area

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL triggers"
)


def _events(action, **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def test_ticket_create_and_each_transition_write_an_event_with_before_and_after(
    agent, supervisor, technician
):
    customer = CustomerFactory(area=technician.areas.first())
    ticket = make_ticket(actor=agent, customer=customer)
    advance(ticket, "closed", desk=agent, supervisor=supervisor, technician=technician)
    actions = list(
        AuditEvent.objects.for_object("tickets.ticket", ticket.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[0] == "ticket.created"
    assert {"ticket.triage", "ticket.dispatch", "ticket.check_in", "ticket.complete"} <= set(
        actions
    )
    [triage] = _events("ticket.triage", object_id=str(ticket.pk))
    assert triage.actor == agent
    assert triage.changes["status"] == ["new", "triaged"]


def test_customer_update_through_the_service_records_before_and_after(agent, supervisor):
    from tickets.services import customer_update

    customer = CustomerFactory(name="Old Name")
    with transaction.atomic():
        customer_update(customer=customer, actor=supervisor, name="New Name")
    [event] = _events("customer.updated", object_id=str(customer.pk))
    # Personal values are stored encrypted (README, "Personal data"): read them decrypted.
    from audits.personal import event_changes

    assert event_changes(event)["name"] == ["Old Name", "New Name"]


def test_admin_edit_records_every_changed_field_before_and_after(admin_client, admin_user):
    area = AreaFactory(code="north", name="North")
    url = reverse("admin:tickets_area_change", args=[area.pk])
    response = admin_client.post(url, {"code": "north", "name": "North district"})
    assert response.status_code == 302
    [event] = _events("admin.updated", object_type="tickets.area")
    assert event.actor == admin_user
    assert event.source == "admin"
    assert event.changes == {"name": ["North", "North district"]}


def test_admin_create_and_delete_are_recorded(admin_client):
    add = admin_client.post(reverse("admin:tickets_area_add"), {"code": "east", "name": "East"})
    assert add.status_code == 302
    area = Area.objects.get(code="east")
    [created] = _events("admin.created", object_type="tickets.area")
    assert created.changes["name"] == [None, "East"]
    delete = admin_client.post(
        reverse("admin:tickets_area_delete", args=[area.pk]), {"post": "yes"}
    )
    assert delete.status_code == 302
    [deleted] = _events("admin.deleted", object_id=str(area.pk))
    assert deleted.changes["code"] == ["east", None]


def test_admin_user_and_group_changes_are_recorded_without_the_password(admin_client):
    group = Group.objects.create(name="auditor-x")
    user = User.objects.create_user(username="carol", password="old-secret-1")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = {
        "username": "carol",
        "first_name": "Carol",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [group.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "10:00:00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    [event] = _events("admin.updated", object_type="auth.user")
    assert event.changes["first_name"] == ["", "Carol"]
    assert event.changes["groups"] == [[], [group.pk]]
    assert "old-secret-1" not in str(event.changes)
    password = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "New-secret-42!", "password2": "New-secret-42!", "usable_password": "true"},
    )
    assert password.status_code == 302
    [changed] = _events("admin.updated", object_type="auth.user")[1:]
    assert changed.changes["password"] == "<redacted>"


def test_session_and_token_sign_ins_and_failures_are_recorded(client, anon_client, agent):
    assert client.login(username="agent", password="pw-agent")
    assert not client.login(username="agent", password="wrong")
    assert (
        anon_client.post(
            "/api/v1/auth/token/", {"username": "agent", "password": "pw-agent"}
        ).status_code
        == 200
    )
    assert (
        anon_client.post(
            "/api/v1/auth/token/", {"username": "agent", "password": "nope"}
        ).status_code
        == 400
    )
    signed_in = _events("auth.signed_in", object_id=str(agent.pk))
    assert [e.changes["via"] for e in signed_in] == ["session", "token"]
    failed = _events("auth.sign_in_failed", object_id="agent")
    assert len(failed) == 2
    assert all("wrong" not in str(e.changes) and "nope" not in str(e.changes) for e in failed)
    assert failed[1].source == "api"


def test_unmasked_phone_reads_are_recorded_in_one_insert_per_request(
    agent_client, auditor_client, django_assert_max_num_queries
):
    customers = [CustomerFactory() for _ in range(3)]
    response = agent_client.get("/api/v1/customers/")
    assert response.status_code == 200
    reads = _events("customer.pii_read")
    assert {e.object_id for e in reads} == {str(c.pk) for c in customers}
    assert {e.actor.username for e in reads} == {"agent"}
    assert len({e.request_id for e in reads}) == 1
    # Masked for the auditor: nothing read, nothing recorded.
    auditor_client.get("/api/v1/customers/")
    assert len(_events("customer.pii_read")) == 3


def test_audit_events_refuse_orm_update_and_delete():
    with transaction.atomic():
        event = audit_record(actor=None, action="x.test", object_type="t", object_id=1)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="y")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audits_auditevent SET action = 'forged'",
        "UPDATE audits_auditevent SET seal_seq = 99, hash = 'f', prev_hash = 'f', action = 'x'",
        "DELETE FROM audits_auditevent",
    ],
)
def test_the_database_refuses_raw_update_and_delete_of_events(sql):
    """The trigger, on PostgreSQL and on SQLite alike."""
    with transaction.atomic():
        audit_record(actor=None, action="x.test", object_type="t", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(action="x.test").count() == 1


def test_a_sealed_event_cannot_be_resealed():
    with transaction.atomic():
        audit_record(actor=None, action="x.test", object_type="t", object_id=1)
    assert audit_seal() == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audits_auditevent SET hash = 'abc', seal_seq = 7")


def _write(n, action="x.test"):
    for i in range(n):
        with transaction.atomic():
            audit_record(
                actor=None, action=action, object_type="t", object_id=i, changes={"n": [i, i + 1]}
            )


def test_audit_verify_passes_on_a_clean_log(capsys):
    _write(5)
    call_command("audit_verify", "--seal")
    out = capsys.readouterr().out
    assert "Sealed 5 pending events" in out
    assert "Audit chain OK: 5 events verified" in out
    report = audit_verify()
    assert report["ok"] and report["checked"] == 5 and report["unsealed"] == 0


def _tamper(sql):
    """What someone with database superuser rights could do: bypass the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql)
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER audits_auditevent_no_update")
            cursor.execute("DROP TRIGGER audits_auditevent_no_delete")
            cursor.execute(sql)


def test_audit_verify_names_the_row_altered_by_raw_sql():
    _write(5)
    audit_seal()
    target = AuditEvent.objects.order_by("seal_seq")[2]
    _tamper(f"UPDATE audits_auditevent SET changes = '{{}}' WHERE id = {target.pk}")
    with pytest.raises(CommandError, match=f"id={target.pk} .*altered"):
        call_command("audit_verify")
    assert audit_verify()["checked"] == 2


def test_audit_verify_names_the_row_after_a_deleted_one():
    _write(4)
    audit_seal()
    rows = list(AuditEvent.objects.order_by("seal_seq"))
    _tamper(f"DELETE FROM audits_auditevent WHERE id = {rows[1].pk}")
    report = audit_verify()
    assert not report["ok"]
    assert report["broken"]["id"] == rows[2].pk
    assert "missing" in report["broken"]["reason"]


def test_late_committed_rows_are_sealed_in_the_next_batch():
    _write(3)
    assert audit_seal() == 3
    _write(2)
    assert audit_seal(batch_size=1) == 2
    assert audit_verify()["checked"] == 5


@postgres_only
def test_queryset_bulk_update_is_caught_by_the_safety_net_with_before_and_after():
    from audits.selectors import history_for

    areas = [AreaFactory(code=f"z{i}", name=f"Zone {i}") for i in range(3)]
    Area.objects.filter(code__startswith="z").update(name="Merged")
    for area in areas:
        snapshots = list(history_for(area))
        assert [s.pgh_label for s in snapshots] == ["insert", "update"]
        assert snapshots[-1].pgh_diff == {"name": [area.name, "Merged"]}


@postgres_only
def test_bulk_create_and_queryset_delete_are_caught_by_the_safety_net():
    from audits.safety_net.models import AreaHistory

    Area.objects.bulk_create([Area(code="b1", name="B1"), Area(code="b2", name="B2")])
    Area.objects.filter(code__in=["b1", "b2"]).delete()
    labels = list(
        AreaHistory.objects.filter(code__in=["b1", "b2"])
        .order_by("pgh_id")
        .values_list("code", "pgh_label")
    )
    assert labels == [("b1", "insert"), ("b2", "insert"), ("b1", "delete"), ("b2", "delete")]


@postgres_only
def test_snapshot_tables_index_only_their_key_and_the_row_they_copy():
    """Every ticket write inserts a snapshot: the copied foreign keys (a ticket's customer,
    area, technician …) carry no index of their own, only the snapshot's key and
    ``pgh_obj`` (what the trail reads them by) do."""
    from audits.history import TRACKED

    with connection.cursor() as cursor:
        for event_model in TRACKED.values():
            table = event_model._meta.db_table
            cursor.execute(
                "SELECT a.attname FROM pg_index i"
                " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                " WHERE i.indrelid = %s::regclass ORDER BY 1",
                [table],
            )
            columns = {row[0] for row in cursor.fetchall()}
            assert columns <= {"pgh_id", "pgh_created_at", "pgh_obj_id"}, table
            assert "pgh_obj_id" in columns, table


@postgres_only
def test_snapshots_refuse_updates():
    from audits.safety_net.models import AreaHistory

    AreaFactory(code="s1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AreaHistory.objects.filter(code="s1").update(name="forged")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_keep_one_valid_chain():
    """Eight writer threads append while two sealers run: every event sealed once, one
    unbroken chain (seal_seq 1..n), whatever the commit order of the writers."""
    errors = []

    def writer(k):
        try:
            _write(15, action=f"x.thread{k}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def sealer():
        try:
            for _ in range(10):
                audit_seal(batch_size=7)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    threads += [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    audit_seal()
    report = audit_verify()
    assert report["ok"], report
    assert report["checked"] == AuditEvent.objects.count() >= 120
    assert report["unsealed"] == 0


def test_reference_data_created_through_the_api_is_recorded(supervisor_client, supervisor):
    response = supervisor_client.post(
        "/api/v1/areas/", {"code": "west", "name": "West"}, format="json"
    )
    assert response.status_code == 201
    [event] = _events("area.created", object_id=str(response.data["id"]))
    assert event.actor == supervisor
    assert event.changes == {"code": [None, "west"], "name": [None, "West"]}


def test_api_creates_of_customers_products_and_technicians_are_recorded(
    supervisor_client, supervisor
):
    from tests.tickets.factories import AreaFactory, ProductModelFactory

    area = AreaFactory(code="ctr")
    ProductModelFactory(code="FRIDGE-1")
    customer = supervisor_client.post(
        "/api/v1/customers/", {"name": "Zhou", "phone": "13800001111"}, format="json"
    )
    assert customer.status_code == 201, customer.data
    product = supervisor_client.post(
        "/api/v1/products/",
        {"customer": customer.data["id"], "model": "FRIDGE-1", "serial_number": "S1",
         "purchase_date": "2026-01-05"},
        format="json",
    )  # fmt: skip
    assert product.status_code == 201, product.data
    technician = supervisor_client.post(
        "/api/v1/technicians/",
        {"username": "tech9", "password": "Secret-pw-99", "full_name": "Ma Li",
         "phone": "13700009999", "employee_no": "T99", "areas": [area.code]},
        format="json",
    )  # fmt: skip
    assert technician.status_code == 201, technician.data
    for action, object_id in [
        ("customer.created", customer.data["id"]),
        ("product.registered", product.data["id"]),
        ("technician.created", technician.data["id"]),
    ]:
        [event] = _events(action, object_id=str(object_id))
        assert event.actor == supervisor and event.source == "api"
    assert "Secret-pw-99" not in str(AuditEvent.objects.values_list("changes", flat=True))
