"""The framework floors as rows of the table (``bench/urls.py``): what any request of the
kind costs before it does anything of its own. Every other row's ratio is taken against
the larger of its SQL floor and the floor of its kind."""

from bench.harness import Operation, operation
from bench.ops.tickets import _ok


@operation
def framework_floor_api(ctx):
    client = ctx.api["agent"]
    return Operation(
        name="framework floor: constant body (API, sign-in token)",
        run=lambda i: _ok(client.get("/api/v1/bench/framework-floor/")),
        iterations=200,
    )


@operation
def framework_floor_page(ctx):
    return Operation(
        name="framework floor: constant page (HTML, signed-in session)",
        run=lambda i: _ok(ctx.page.get("/bench/framework-floor/")),
        iterations=200,
    )
