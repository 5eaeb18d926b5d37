"""Charts for the pages, described once in Python and drawn twice: by Chart.js on a canvas
(``static/js/charts.js``) and as the table behind it (``components/_chart.html``) that
screen readers, printouts and people without JavaScript read. A chart always has a table
behind it (style.md section 9).

    chart = Chart(
        id="backlog-by-status",
        title=_("Backlog by status"),
        kind="bar",
        labels=[status_label(s) for s in statuses],
        series=[Series(_("Open tickets"), counts)],
        csv_url=reverse("...") + "?format=csv",
    )
    {% include "components/_chart.html" with chart=chart %}
"""

import json
from dataclasses import dataclass, field

KINDS = ("bar", "line", "stacked-bar", "doughnut")


@dataclass(frozen=True)
class Series:
    label: str
    values: list
    # "percent" shows 87.5 as "87.5 %" in the table and on the axis.
    unit: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    labels: list
    series: list
    kind: str = "bar"
    csv_url: str = ""
    # Shown under the title, e.g. "Weeks start on Monday; as of 10:30".
    caption: str = ""
    # The table's first column header (e.g. "Week", "Status").
    label_heading: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")

    @property
    def spec_json(self):
        """The spec as JSON for the figure's ``data-chart-spec`` attribute (escaped there by
        the template like any attribute value)."""
        return json.dumps(self.spec, ensure_ascii=False)

    @property
    def rows(self):
        """The table behind the chart: one row per label, one cell per series."""
        return [
            (label, [series.values[i] for series in self.series])
            for i, label in enumerate(self.labels)
        ]

    @property
    def spec(self):
        """What charts.js reads (the figure's data-chart-spec attribute): plain JSON, no code."""
        return {
            "kind": self.kind,
            "labels": [str(label) for label in self.labels],
            "series": [
                {"label": str(s.label), "values": list(s.values), "unit": s.unit}
                for s in self.series
            ],
            **self.extra,
        }
