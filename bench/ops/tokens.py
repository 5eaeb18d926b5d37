"""The fixed cost of an API request signed with an integrator token (README "Integrator
tokens and throttling"): the prefix lookup, the SHA-256 compare and the account checks,
beside ``fixed_cost`` (bench/ops/tickets.py), the same list with a person's sign-in
token. The last-use mark writes once a minute, so the timed calls measure the read path."""

from django.utils import timezone
from rest_framework.test import APIClient

from aftersales.tokens import services
from bench.harness import Operation, operation


def _ok(response, status=200):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code}: {response.content[:300]!r}")
    return response


@operation
def integrator_token_request(ctx):
    # The system issues it (actor=None): the bench data's supervisors are not needed.
    _token, key = services.integrator_token_create(
        user=ctx.users["integrator"], name=f"bench {timezone.now().isoformat()}", actor=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    def floor(cursor, i):
        cursor.execute("SELECT id, code, name FROM tickets_area ORDER BY code LIMIT 51")
        return cursor.fetchall()

    return Operation(
        name="reference: areas list, 20 rows (API, integrator token)",
        run=lambda i: _ok(client.get("/api/v1/areas/")),
        floor=floor,
        note="as fixed_cost, signed with an integrator token instead of a sign-in token",
    )
