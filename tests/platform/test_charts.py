"""A chart is described once and drawn twice: the canvas's JSON and the table behind it."""

import json
from html import unescape

import pytest
from django.template.loader import render_to_string

from aftersales.charts import Chart, Series


def test_the_table_behind_a_chart_has_a_row_per_label_and_a_cell_per_series():
    chart = Chart(
        id="sla-weeks",
        title="SLA met",
        labels=["W1", "W2"],
        series=[Series("Response", [90.0, None], unit="percent"), Series("Dispatch", [80.5, 70])],
        label_heading="Week",
        csv_url="/reports/kpi/?format=csv",
    )
    assert chart.rows == [("W1", [90.0, 80.5]), ("W2", [None, 70])]
    html = render_to_string("components/_chart.html", {"chart": chart})
    # The figures ride in an attribute (htmx keeps attributes of swapped HTML, not scripts).
    attribute = html.split('data-chart-spec="')[1].split('"')[0]
    spec = json.loads(unescape(attribute))
    assert "<script" not in html
    assert spec["labels"] == ["W1", "W2"]
    assert spec["series"][0] == {"label": "Response", "values": [90.0, None], "unit": "percent"}
    assert html.count('<tr><th scope="row">') == 2
    assert "–" in html  # the missing value is shown as a dash, not "None"
    assert 'href="/reports/kpi/?format=csv"' in html


def test_an_empty_chart_says_so_and_an_unknown_kind_is_refused():
    html = render_to_string(
        "components/_chart.html", {"chart": Chart(id="c", title="T", labels=[], series=[])}
    )
    assert "No data for this period." in html
    with pytest.raises(ValueError):
        Chart(id="c", title="T", labels=[], series=[], kind="pie3d")
