"""Response headers: a strict Content-Security-Policy everywhere, nothing personal cached,
and no inline script in any template that would need the policy loosened (issue 12 §8)."""

import re
from pathlib import Path

import pytest

from aftersales.roles import Role
from tests.browser import _sign_in
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ") if part}


def test_pages_and_the_api_carry_a_strict_csp(client, agent_client, agent):
    for response in (client.get("/login/"), agent_client.get("/api/v1/tickets/")):
        policy = _directives(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_authenticated_pages_and_api_answers_are_not_stored(client, agent, agent_client):
    make_ticket(actor=agent)
    client.force_login(agent)
    for response in (client.get("/tickets/"), agent_client.get("/api/v1/tickets/")):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


def test_no_template_has_inline_script_handlers_or_styles():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>")
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (inline_script, handler, re.compile(r"\sstyle\s*=")):
            found += [
                f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
        if "javascript:" in text:
            found.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert found == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_break_no_csp_rule_in_the_browser(open_page, make_user, agent):
    supervisor = make_user(Role.SUPERVISOR, username="boss", is_staff=True)
    ticket = make_ticket(actor=agent)
    page = open_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    _sign_in(page, supervisor.username, "pw-boss")
    for url in ["/tickets/", f"/tickets/{ticket.pk}/", "/dashboard/", "/tickets/new/",
                "/admin/", "/admin/tickets/ticket/", "/api/docs/"]:  # fmt: skip
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert page.locator("#swagger-ui .info").count() == 1  # Swagger UI ran its script
    assert violations == []
