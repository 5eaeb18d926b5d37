"""The import and export page (/bulk/) through the test client: who sees what, the dry
run's report and the apply in both page modes (htmx fragment and whole page), a refused
file, the Chinese page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftersales.roles import Role
from tickets.models import Customer

pytestmark = pytest.mark.django_db
GOOD = "name,phone\n刘洋,13812345678\n王芳,15900001111\n"
BAD = "name,phone\n刘洋,13812345678\n,not-a-phone\n"


@pytest.fixture
def signed_in(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _post(client, text, mode, *, htmx=False, name="customers.csv"):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("bulk-import-page"),
        {"kind": "customers", "mode": mode, "file": SimpleUploadedFile(name, text.encode())},
        headers=headers,
    )


def test_supervisors_see_exports_and_the_import_form(signed_in, supervisor):
    page = signed_in(supervisor).get(reverse("bulk-page")).content.decode()
    for kind in ("tickets", "customers", "products", "parts", "stock-levels"):
        for fmt in ("csv", "xlsx"):
            assert f'href="{reverse("bulk-export-file", args=[kind, fmt])}"' in page
    assert 'action="/bulk/import/"' in page
    assert 'href="/bulk/"' in page  # the main navigation


def test_auditors_see_only_the_exports(signed_in, make_user):
    client = signed_in(make_user(Role.AUDITOR))
    page = client.get(reverse("bulk-page")).content.decode()
    assert reverse("bulk-export-file", args=["customers", "csv"]) in page
    assert "/bulk/import/" not in page
    assert _post(client, GOOD, "apply").status_code == 403
    assert not Customer.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN, Role.INTEGRATOR])
def test_other_roles_get_403(signed_in, make_user, role):
    client = signed_in(make_user(role))
    assert client.get(reverse("bulk-page")).status_code == 403
    assert _post(client, GOOD, "apply").status_code == 403


def test_dry_run_fragment_lists_errors_by_row_and_column(signed_in, supervisor):
    response = _post(signed_in(supervisor), BAD, "dry_run", htmx=True)

    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" not in text  # the fragment: the form and its chosen file stay
    assert "Checked 2 rows; rows with errors: 1" in text
    assert '<td class="num" data-label="Row">3</td>' in text
    assert "<code>name</code>" in text and "<code>phone</code>" in text
    assert not Customer.objects.exists()


def test_apply_with_errors_writes_nothing_and_says_so(signed_in, supervisor):
    response = _post(signed_in(supervisor), BAD, "apply", htmx=True)

    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()
    assert not Customer.objects.exists()


def test_apply_without_javascript_answers_the_whole_page(signed_in, supervisor):
    response = _post(signed_in(supervisor), GOOD, "apply")

    assert response.status_code == 200
    text = response.content.decode()
    assert "<html" in text and "Imported 2 rows: 2 created" in text
    assert set(Customer.objects.values_list("phone", flat=True)) == {"13812345678", "15900001111"}


def test_a_refused_file_shows_its_error_in_the_form(signed_in, supervisor):
    response = _post(signed_in(supervisor), "colour\nred\n", "dry_run", htmx=True)

    assert response.status_code == 400
    assert "missing columns: name, phone" in response.content.decode()


def test_the_page_in_chinese(signed_in, supervisor):
    client = signed_in(supervisor)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("bulk-page"))
    text = page.content.decode()
    assert "导入和导出" in text and "检查文件" in text
    report = _post(client, BAD, "dry_run", htmx=True)
    text = report.content.decode()
    assert "已检查 2 行；有错误的行：1" in text and 'data-label="行">3</td>' in text
