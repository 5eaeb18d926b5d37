"""Bulk imports (tickets.bulk.imports) through the API: the dry run's per-row report, the
atomic apply through the services, audit events, least privilege, and bad files."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from audits.models import AuditEvent
from parts.models import Part
from tests.parts.factories import PartFactory
from tests.tickets.factories import (
    AreaFactory,
    CustomerFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductModelFactory,
)
from tickets.models import Customer, Product

pytestmark = pytest.mark.django_db


def _upload(content, name="data.csv"):
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content)


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _post(client, kind, content, mode="dry_run", name="data.csv"):
    return client.post(
        f"/api/v1/imports/{kind}/",
        {"file": _upload(content, name), "mode": mode},
        format="multipart",
    )


def _errors(response):
    return [(e["row"], e["column"], e["message"]) for e in response.json()["errors"]]


CUSTOMERS = (
    "name,phone,email,area,tier\n"
    "刘洋,138 1234 5678,liu@example.com,pudong,vip\n"
    "王芳,not-a-phone,,pudong,\n"
    "陈静,13912345678,not-an-email,nowhere,gold\n"
    "李勇军,+86 138-1234-5678,,,\n"
    "张伟,13700000000,,,\n"
)


def test_customer_dry_run_reports_every_rows_errors_and_writes_nothing(supervisor_client):
    AreaFactory(code="pudong")

    response = _post(supervisor_client, "customers", CUSTOMERS)

    assert response.status_code == 200
    body = response.json()
    assert (body["mode"], body["applied"], body["rows"]) == ("dry_run", False, 5)
    errors = _errors(response)
    rows = {(row, column) for row, column, _message in errors}
    assert (3, "phone") in rows  # not a phone number
    assert {(4, "email"), (4, "area"), (4, "tier")} <= rows  # three errors on one row
    assert (5, "phone") in rows  # the same number as row 2, written another way
    assert any("row 2" in message for row, _c, message in errors if row == 5)
    assert {row for row, _c, _m in errors} == {3, 4, 5}
    assert (body["created"], body["updated"]) == (2, 0)  # rows 2 and 6 would be created
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["customer.created", "bulk.imported"]).exists()


def test_customer_apply_with_a_bad_row_writes_nothing(supervisor_client):
    AreaFactory(code="pudong")

    response = _post(supervisor_client, "customers", CUSTOMERS, mode="apply")

    assert response.status_code == 400
    assert response.json()["applied"] is False
    assert len(_errors(response)) >= 5
    assert not Customer.objects.exists()


def test_customer_apply_creates_and_updates_through_the_services(supervisor_client, supervisor):
    AreaFactory(code="pudong")
    known = CustomerFactory(phone="13812345678", name="Liu", email="old@example.com")
    same = CustomerFactory(phone="13700000000", name="张伟", address="1 Century Avenue")
    csv_text = (
        "name,phone,email,area,tier,address\n"
        "刘洋,138-1234-5678,liu@example.com,pudong,vip,\n"  # known: updated, address kept
        "王芳,15900001111,,,,2 Nanjing Road\n"  # new
        "张伟,13700000000,,,,\n"  # known and the same: unchanged
    )

    response = _post(supervisor_client, "customers", csv_text, mode="apply", name="crm.csv")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["applied"], body["created"], body["updated"], body["unchanged"]) == (
        True,
        1,
        1,
        1,
    )
    known.refresh_from_db()
    assert (known.name, known.email, known.tier, known.area.code) == (
        "刘洋",
        "liu@example.com",
        "vip",
        "pudong",
    )
    assert known.address == "1 Century Avenue"  # empty cell: not given
    new = Customer.objects.get(phone="15900001111")
    assert (new.name, new.address, new.created_by) == ("王芳", "2 Nanjing Road", supervisor)
    events = AuditEvent.objects.filter(actor=supervisor)
    assert events.filter(action="customer.created", object_id=str(new.pk)).count() == 1
    assert events.filter(action="customer.updated", object_id=str(known.pk)).count() == 1
    assert not events.filter(object_id=str(same.pk)).exists()
    batch = events.get(action="bulk.imported")
    assert batch.changes == {
        "kind": "customers",
        "file": "crm.csv",
        "rows": 3,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
    }


def test_a_gbk_csv_from_excel_in_china_is_read(supervisor_client):
    text = "name,phone\n刘洋,13812345678\n"

    response = _post(supervisor_client, "customers", text.encode("gbk"), mode="apply")

    assert response.status_code == 200, response.json()
    assert Customer.objects.get().name == "刘洋"


def test_an_xlsx_with_numbers_and_dates_imports_products(supervisor_client):
    customer = CustomerFactory(phone="13812345678")
    model = ProductModelFactory(code="KFR-35GW")
    ProductFactory(customer=customer, model=model, serial_number="SN-KNOWN")

    known_date = Product.objects.get(serial_number="SN-KNOWN").purchase_date
    content = _xlsx(
        [
            ["customer_phone", "model", "serial_number", "purchase_date"],
            [13812345678, "KFR-35GW", "SN-NEW", datetime.datetime(2025, 3, 1)],
            [13812345678, "KFR-35GW", "SN-KNOWN", known_date],  # the same: unchanged
            [13900000000, "KFR-35GW", "SN-X", "2025-01-01"],  # nobody has this phone
            [13812345678, "NO-SUCH", "SN-Y", "2025-01-01"],  # unknown model
            [13812345678, "KFR-35GW", "SN-Z", "2999-01-01"],  # in the future
        ]
    )

    dry = _post(supervisor_client, "products", content, name="units.xlsx")
    assert dry.status_code == 200
    assert {(row, column) for row, column, _m in _errors(dry)} == {
        (4, "customer_phone"),
        (5, "model"),
        (6, "purchase_date"),
    }

    good = _xlsx(
        [
            ["customer_phone", "model", "serial_number", "purchase_date"],
            [13812345678, "KFR-35GW", "SN-NEW", datetime.datetime(2025, 3, 1)],
            [13812345678, "KFR-35GW", "SN-KNOWN", known_date],
        ]
    )
    applied = _post(supervisor_client, "products", good, mode="apply", name="units.xlsx")
    assert applied.status_code == 200, applied.json()
    assert (applied.json()["created"], applied.json()["unchanged"]) == (1, 1)
    new = Product.objects.get(serial_number="SN-NEW")
    assert (new.customer, str(new.purchase_date)) == (customer, "2025-03-01")
    assert AuditEvent.objects.filter(action="product.registered", object_id=str(new.pk)).exists()


def test_parts_import_creates_and_updates_and_re_imports_its_own_export(supervisor_client):
    ProductCategoryFactory(code="aircon")
    ProductModelFactory(code="KFR-35GW")
    known = PartFactory(sku="AC-00001", unit_price="65.00")
    text = (
        "sku,name,category,unit_cost,unit_price,compatible_models,approved\n"
        "AC-00001,Relay,aircon,40.00,70.00,KFR-35GW,true\n"
        "AC-00002,Fan motor,aircon,120,180,,false\n"
        "AC-00003,Bad price,aircon,abc,-1,,\n"
    )
    dry = _post(supervisor_client, "parts", text)
    assert {(row, column) for row, column, _m in _errors(dry)} == {
        (4, "unit_cost"),
        (4, "unit_price"),
    }

    applied = _post(supervisor_client, "parts", text.rsplit("AC-00003", 1)[0], mode="apply")
    assert applied.status_code == 200, applied.json()
    known.refresh_from_db()
    assert str(known.unit_price) == "70.00"
    assert list(known.compatible_models.values_list("code", flat=True)) == ["KFR-35GW"]
    assert Part.objects.get(sku="AC-00002").approved is False
    assert AuditEvent.objects.filter(action="part.updated", object_id=str(known.pk)).exists()

    exported = b"".join(supervisor_client.get("/api/v1/exports/parts/").streaming_content)
    again = _post(supervisor_client, "parts", exported, mode="apply")
    assert again.status_code == 200, again.json()
    assert (again.json()["unchanged"], again.json()["created"], again.json()["updated"]) == (
        2,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"   \n\n", "blank.csv", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
        (b"%PDF-1.7\n\x00\x01binary", "report.pdf", "not a CSV or XLSX"),
        (b"PK\x03\x04not really a zip", "broken.xlsx", "not a readable XLSX"),
        (b"name,phone\n\xff\xfe\xfa\xfb,1\n", "latin.csv", "neither UTF-8 nor GBK"),
        ("nom,téléphone\nx,y\n".encode(), "fr.csv", "missing columns: name, phone"),
        (b"name,phone,colour\nx,13812345678,red\n", "extra.csv", "unknown columns: colour"),
        (b"name,phone,phone\nx,1,2\n", "twice.csv", "repeated columns: phone"),
    ],
)
def test_a_bad_file_is_a_clear_400_and_writes_nothing(supervisor_client, content, name, message):
    response = _post(supervisor_client, "customers", content, mode="apply", name=name)

    assert response.status_code == 400
    assert message in " ".join(response.json()["file"])
    assert not Customer.objects.exists()


def test_too_many_rows_are_refused(supervisor_client, settings):
    settings.BULK_IMPORT_MAX_ROWS = 2
    text = "name,phone\na,13800000001\nb,13800000002\nc,13800000003\n"

    response = _post(supervisor_client, "customers", text, mode="apply")

    assert response.status_code == 400
    assert "more than 2 rows" in response.json()["file"][0]
    assert not Customer.objects.exists()


def test_a_file_beyond_the_size_limit_is_refused_while_it_streams(supervisor_client, settings):
    settings.UPLOAD_MAX_BYTES = dict.fromkeys(settings.UPLOAD_MAX_BYTES, 1024)
    text = "name,phone\n" + "".join(f"n{i},1380000{i:04d}\n" for i in range(200))

    response = _post(supervisor_client, "customers", text, mode="apply")

    assert response.status_code == 400
    assert "larger than 1 KB" in str(response.json())
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "persona", ["agent_client", "auditor_client", "technician_client", "integrator_client"]
)
def test_only_supervisors_import(request, persona):
    client = request.getfixturevalue(persona)

    response = _post(client, "customers", "name,phone\nx,13812345678\n", mode="apply")

    assert response.status_code == 403
    assert not Customer.objects.exists()


def test_an_unknown_mode_is_a_400(supervisor_client):
    response = _post(supervisor_client, "customers", "name,phone\nx,13812345678\n", mode="yolo")
    assert response.status_code == 400
    assert "mode" in response.json()
