"""The technician's job page (issue 15: under 100 ms p95 server time at 1,000,000 tickets,
under 150 KB transferred on first load, photos excluded) as the busiest technician's phone
asks for it: their open jobs in turn (dispatched ones show "on my way" and the check-in,
on-site ones the work record with the van's parts). The first-load size is the page's HTML
plus every stylesheet and script it references, as stored (before compression) and as
transferred in production (static files gzipped by WhiteNoise, the HTML as is)."""

import gzip
import re
from pathlib import Path

from django.conf import settings
from django.test import Client

from bench.harness import Operation, operation
from tickets.models import Ticket

STATIC = Path(settings.BASE_DIR) / "static"
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="/static/([^"?]+)"')


def _ok(response):
    if response.status_code != 200:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


def first_load_bytes(html):
    """The page's HTML plus the CSS and JS files it references, in bytes."""
    assets = sorted(set(ASSET.findall(html)))
    return len(html.encode()) + sum((STATIC / name).stat().st_size for name in assets), assets


def first_load_transferred(html):
    """What the phone downloads on a first load in production: the HTML as sent (no
    compression of pages: BREACH) and each static file gzipped, as WhiteNoise's
    CompressedManifestStaticFilesStorage serves it to a browser that accepts gzip."""
    assets = sorted(set(ASSET.findall(html)))
    return len(html.encode()) + sum(
        len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9)) for name in assets
    )


@operation
def job_page(ctx):
    technician = ctx.users["technician"]
    jobs = list(
        Ticket.objects.filter(
            technician__user=technician, status__in=["dispatched", "on_site"]
        ).values_list("id", flat=True)[:50]
    )
    if not jobs:
        raise SystemExit("The bench technician has no open job: run `make bench-data`.")
    client = Client()
    client.force_login(technician)
    html = _ok(client.get(f"/jobs/{jobs[0]}/")).content.decode()
    size, assets = first_load_bytes(html)
    sent = first_load_transferred(html)
    return Operation(
        # The table prints names only: the sizes travel in it.
        name=f"technician's job page (HTML; first load {sent:,} B transferred, {size:,} B "
        f"as stored, {len(assets)} files)",
        run=lambda i: _ok(client.get(f"/jobs/{ctx.pick(jobs, i)}/")),
    )
