"""Errors the schema declares come in the declared shape, whatever the route or format."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unmatched_api_path_is_a_json_404(supervisor_client):
    # The router's ids have no dot: no route matches, so DRF never sees the request.
    response = supervisor_client.delete("/api/v1/webhooks/1.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unmatched_page_keeps_the_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_kpi_report_as_csv_answers_its_error_as_json(supervisor_client):
    response = supervisor_client.get(
        "/api/v1/reports/kpis/",
        {"format": "csv", "from": "2026-01-02", "to": "2026-01-01", "group_by": "area"},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) <= {"from", "to", "non_field_errors"}


def test_the_kpi_report_as_csv_still_answers_csv(supervisor_client):
    response = supervisor_client.get(
        "/api/v1/reports/kpis/",
        {"format": "csv", "from": "2026-01-01", "to": "2026-01-31", "group_by": "area"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines()[0].startswith("key,label,")


def test_a_bare_validation_message_is_a_field_error_shape(supervisor_client):
    # A NUL in the search term is refused before the query, with a bare message.
    response = supervisor_client.get("/api/v1/areas/", {"search": "\x00"})

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Null characters are not allowed."]}


def test_an_unknown_format_is_the_declared_404(supervisor_client):
    response = supervisor_client.get(
        "/api/v1/reports/kpis/",
        {"format": "xml", "from": "2026-01-01", "to": "2026-01-31", "group_by": "area"},
    )

    assert response.status_code == 404
    assert "detail" in response.json()
