"""The supervisors' technician pages (issue 14): the roster filtered to one area (about
200 technicians at the bench's 2,000 over 20 areas), the whole roster, and the page of the
busiest technician with its default 90-day performance period."""

from bench.context import fetch, signed_in_page
from bench.harness import Operation, operation
from technicians.models import Technician


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


@operation
def technicians_roster_area(ctx):
    page = signed_in_page(ctx, "supervisor")
    [(area_id, n)] = fetch(
        "SELECT area_id, count(*) FROM technicians_technician_areas "
        "GROUP BY area_id ORDER BY count(*) DESC LIMIT 1"
    )
    return Operation(
        name=f"technicians roster, one area ({n} technicians, HTML)",
        run=lambda i: _ok(page.get("/technicians/", {"area": area_id})),
    )


@operation
def technicians_roster_all(ctx):
    page = signed_in_page(ctx, "supervisor")
    n = Technician.objects.filter(active=True).count()
    return Operation(
        name=f"technicians roster, all ({n} technicians, HTML)",
        run=lambda i: _ok(page.get("/technicians/")),
    )


@operation
def technicians_detail_page(ctx):
    page = signed_in_page(ctx, "supervisor")
    busiest = ctx.users["technician"].technician.pk
    return Operation(
        name="technician page, busiest technician, 90-day performance (HTML)",
        run=lambda i: _ok(page.get(f"/technicians/{busiest}/")),
    )
