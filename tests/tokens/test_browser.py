"""The integrator tokens page in headless Chromium: a supervisor issues a token (with an
expiry), rotates it (with and without a new expiry) and revokes it; each step is read
back from the database. axe-core, a phone's width, and screenshots in both languages."""

import datetime

import pytest
from django.utils import timezone

from aftersales.roles import Role
from aftersales.tokens.models import IntegratorToken, TokenStatus, token_digest
from audits.models import AuditEvent
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 900}
WORDS = {
    "en-US": {"issued": "issued", "revoked": "Revoked"},
    "zh-CN": {"issued": "已签发", "revoked": "已吊销"},
}


def _issued_key(page):
    return page.input_value("#issued-key")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_supervisor_issues_rotates_and_revokes_a_token(open_page, make_user, locale):
    make_user(Role.SUPERVISOR, username="boss")
    shop = make_user(Role.INTEGRATOR, username="shop", first_name="Web", last_name="Shop")
    words = WORDS[locale]
    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "boss", "pw-boss")

    page.click('nav.mainnav a[href="/integrator-tokens/"]')
    page.wait_for_url("**/integrator-tokens/")
    # Issue, with an end of validity.
    day = timezone.localdate() + datetime.timedelta(days=30)
    page.select_option("#id_user", str(shop.pk))
    page.fill("#id_name", "Web shop")
    page.fill("#id_expires_at", day.isoformat())
    page.click("form.token-new button[type=submit]")
    page.wait_for_selector("#issued-key")
    assert words["issued"] in page.inner_text(".token-issued")
    key = _issued_key(page)
    token = IntegratorToken.objects.get()
    assert token.user == shop and token.name == "Web shop"
    assert token.digest == token_digest(key)
    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)
    assert key not in page.inner_text("table.tokens")
    assert_accessible(page)
    screenshot(page, f"aftersales-tokens-issued-{locale}.png")

    # Rotate, keeping the expiry.
    row = f"#token-{token.pk}"
    page.click(f"{row} details:not(.danger) summary")
    page.click(f"{row} details:not(.danger) button[type=submit]")
    page.wait_for_function(
        "old => document.querySelector('#issued-key') && "
        "document.querySelector('#issued-key').value !== old",
        arg=key,
    )
    rotated_key = _issued_key(page)
    token.refresh_from_db()
    assert token.digest == token_digest(rotated_key) and token.rotated_at is not None
    assert timezone.localtime(token.expires_at).date() == day + datetime.timedelta(days=1)

    # Rotate with a new end of validity.
    later = day + datetime.timedelta(days=60)
    page.click(f"{row} details:not(.danger) summary")
    page.fill(f"#id_rotate-{token.pk}-expires_at", later.isoformat())
    page.click(f"{row} details:not(.danger) button[type=submit]")
    page.wait_for_function(
        "old => document.querySelector('#issued-key').value !== old", arg=rotated_key
    )
    token.refresh_from_db()
    assert token.digest == token_digest(_issued_key(page))
    assert timezone.localtime(token.expires_at).date() == later + datetime.timedelta(days=1)
    screenshot(page, f"aftersales-tokens-rotated-{locale}.png")

    # Revoke.
    page.click(f"{row} details.danger summary")
    page.click(f"{row} details.danger button[type=submit]")
    page.wait_for_selector(f"{row}.token-revoked")
    token.refresh_from_db()
    assert token.status == TokenStatus.REVOKED
    assert words["revoked"] in page.inner_text(row)
    assert page.locator(f"{row} details").count() == 0
    assert list(
        AuditEvent.objects.filter(action__startswith="integrator_token.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "integrator_token.created",
        "integrator_token.rotated",
        "integrator_token.rotated",
        "integrator_token.revoked",
    ]
    assert_accessible(page)
    screenshot(page, f"aftersales-tokens-revoked-{locale}.png")

    if locale == "en-US":
        page.set_viewport_size(PHONE)
        page.goto("/integrator-tokens/")
        assert_fits(page, PHONE["width"])
        screenshot(page, "aftersales-tokens-phone.png")


def test_a_refused_create_shows_its_error_and_issues_nothing(open_page, make_user):
    make_user(Role.SUPERVISOR, username="boss")
    shop = make_user(Role.INTEGRATOR, username="shop")
    page = open_page(viewport=DESK)
    sign_in(page, "boss", "pw-boss")
    page.goto("/integrator-tokens/")

    page.select_option("#id_user", str(shop.pk))
    page.fill("#id_expires_at", (timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    page.click("form.token-new button[type=submit]")

    page.wait_for_selector("form.token-new .error")
    text = page.inner_text("form.token-new")
    assert "This field is required." in text and "Choose today or a later day." in text
    assert not IntegratorToken.objects.exists()
    assert page.locator("#issued-key").count() == 0
    screenshot(page, "aftersales-tokens-refused.png")
