"""The backlog at a glance."""

import datetime

from django.shortcuts import render

from aftersales.roles import Role

from ..selectors import dashboard_summary
from .common import DESK, role_required


@role_required(*DESK, Role.AUDITOR)
def dashboard_page(request):
    """The backlog at a glance, each figure a link to the list it counts."""
    summary = dashboard_summary()
    open_statuses = "&".join(f"status={s}" for s in summary["open"]["by_status"])
    return render(
        request,
        "tickets/dashboard.html",
        {
            "summary": summary,
            "generated_at": datetime.datetime.fromisoformat(summary["generated_at"]),
            "open_query": open_statuses,
            "statuses": list(summary["open"]["by_status"].items()),
            "priorities": list(summary["open"]["by_priority"].items()),
        },
    )
