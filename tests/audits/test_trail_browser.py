"""The audit trail and the admin in headless Chromium, English and Chinese.

An auditor searches the trail in each filter mode (every filter at its default, then each
alone) and the rows shown are the database's events; opens a ticket's history and reads
the status before and after; sees a customer's phone masked; then someone with database
rights alters a sealed event, the verification runs as beat runs it, and the chain status
names the broken link. A staff supervisor opens the admin from the menu: the index, a
changelist and a change form, in Chinese without English labels, and back to the pages.
axe-core on every trail page; screenshots of each.
"""

import datetime
import re
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from aftersales.roles import Role, grant_supervisor_admin_permissions
from audits.chain import audit_seal
from audits.choices import AuditSource
from audits.context import audit_context
from audits.models import AuditEvent
from audits.services import audit_record
from audits.tasks import audit_verify_task
from tests.architecture.test_i18n import _english_leftovers, _untranslated
from tests.browser import PHONE, assert_accessible, assert_fits, screenshot, sign_in
from tests.tickets.factories import CustomerFactory, make_ticket
from tickets import services
from tickets.choices import TicketStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESK = {"width": 1280, "height": 800}
LANGUAGE = {"en-US": "en", "zh-CN": "zh-hans"}


def _event_at(at, *, actor, object_id, source):
    field = AuditEvent._meta.get_field("created_at")
    with (
        mock.patch.object(field, "_get_default", lambda: at),
        audit_context(source=source),
        transaction.atomic(),
    ):
        return audit_record(
            actor=actor,
            action="area.updated",
            object_type="tickets.area",
            object_id=object_id,
            changes={"name": ["Pudong", "Pudong New Area"]},
        )


def _rows(page):
    return [
        int(pk)
        for pk in page.locator("#trail-search tr[data-event-id]").evaluate_all(
            "rows => rows.map(row => row.dataset.eventId)"
        )
    ]


def _db(queryset, *, oldest_first=False):
    order = ("created_at", "id") if oldest_first else ("-created_at", "-id")
    return list(queryset.order_by(*order).values_list("pk", flat=True)[:50])


def _search(page, **fields):
    """Fill the search form as a person would (every other filter back at its default)
    and submit it; wait for htmx to swap the results in."""
    page.goto("/audit-trail/")
    for name, value in fields.items():
        selector = f"#id_{name}"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.evaluate("document.querySelector('#trail-search').dataset.stale = '1'")
    page.click("#trail-search button[type=submit]")
    page.wait_for_selector("#trail-search:not([data-stale])")


def _tamper(sql):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql)
        cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_auditor_searches_the_trail_reads_a_history_and_sees_the_broken_link(
    open_page, make_user, locale
):
    make_user(Role.AUDITOR, username="auditor")
    desk = make_user(Role.AGENT, username="desk")
    boss = make_user(Role.SUPERVISOR, username="boss")
    ticket = make_ticket(actor=desk)
    services.ticket_triage(
        ticket=ticket, actor=desk, priority="p2", warranty_decision="in_warranty"
    )
    make_ticket(actor=desk)
    now = timezone.now()
    old = _event_at(now - datetime.timedelta(days=3), actor=boss, object_id="7", source="web")
    mid = _event_at(now - datetime.timedelta(days=2), actor=desk, object_id="8", source="api")
    customer = CustomerFactory()
    services.customer_update(customer=customer, actor=desk, phone="13912345678")

    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "auditor", "pw-auditor")
    page.click(".mainnav a[href='/audit-trail/']")
    page.wait_for_url("**/audit-trail/")
    tag = f"{locale}"
    # Every filter at its default: the newest events.
    assert _rows(page) == _db(AuditEvent.objects.all())
    assert_accessible(page)
    screenshot(page, f"aftersales-trail-search-{tag}.png")

    fmt = "%Y-%m-%dT%H:%M"
    local = timezone.localtime
    modes = [
        ({"ticket": ticket.number}, AuditEvent.objects.filter(ticket=ticket)),
        (
            {"object_type": "tickets.area", "object_id": "8"},
            AuditEvent.objects.filter(object_type="tickets.area", object_id="8"),
        ),
        ({"actor": "boss"}, AuditEvent.objects.filter(actor=boss)),
        ({"action": "ticket.triage"}, AuditEvent.objects.filter(action="ticket.triage")),
        ({"source": "web"}, AuditEvent.objects.filter(source=AuditSource.WEB)),
        (
            {
                "after": local(now - datetime.timedelta(days=2, hours=1)).strftime(fmt),
                "before": local(now - datetime.timedelta(days=1)).strftime(fmt),
            },
            AuditEvent.objects.filter(pk=mid.pk),
        ),
    ]
    for fields, expected in modes:
        _search(page, **fields)
        assert _rows(page) == _db(expected), fields
        assert _rows(page), fields
    assert old.pk in _db(AuditEvent.objects.filter(source=AuditSource.WEB))
    # Bad input: an inline error beside the field, the input kept, nothing lost.
    _search(page, ticket="AS-1999-000001")
    assert page.locator("#trail-search .has-error .error").count() == 1
    assert page.input_value("#id_ticket") == "AS-1999-000001"

    # The ticket's history, opened from its search result.
    _search(page, ticket=ticket.number)
    page.click(
        f"#trail-search tr[data-event-id] a[href='/audit-trail/tickets.ticket/{ticket.pk}/']"
    )
    page.wait_for_url(f"**/audit-trail/tickets.ticket/{ticket.pk}/")
    shown = [
        int(pk)
        for pk in page.locator("li.trail-event").evaluate_all(
            "items => items.map(i => i.dataset.eventId)"
        )
    ]
    assert shown == _db(AuditEvent.objects.filter(ticket=ticket), oldest_first=True)
    with translation.override(LANGUAGE[locale]):
        before, after = str(TicketStatus.NEW.label), str(TicketStatus.TRIAGED.label)
    triage = page.locator(f"li#event-{AuditEvent.objects.get(action='ticket.triage').pk}")
    changed = triage.locator(
        "tr.changed", has=page.locator("th", has_text=re.compile(r"Status|状态"))
    )
    assert changed.locator("td.before").inner_text() == before
    assert changed.locator("td.after").inner_text() == after
    assert_accessible(page)
    screenshot(page, f"aftersales-trail-ticket-history-{tag}.png")

    # A customer's phone stays masked for an auditor.
    page.goto(f"/audit-trail/tickets.customer/{customer.pk}/")
    text = page.inner_text("main")
    assert "139****5678" in text and "13912345678" not in text

    # Someone with database rights alters a sealed event; the verification finds it.
    audit_seal()
    _tamper(f"UPDATE audits_auditevent SET changes = '{{}}' WHERE id = {mid.pk}")
    audit_verify_task()
    page.goto("/audit-trail/")
    alert = page.locator(".chain-broken")
    assert f"#{mid.pk}" in alert.inner_text()
    link = alert.locator("a[href='/audit-trail/tickets.area/8/']")
    assert link.count() == 1
    assert_accessible(page)
    screenshot(page, f"aftersales-trail-chain-broken-{tag}.png")
    link.click()
    page.wait_for_url("**/audit-trail/tickets.area/8/")
    assert page.locator(f"li#event-{mid.pk}").count() == 1
    assert_accessible(page)
    # A supervisor may read it on a phone: nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    page.goto("/audit-trail/")
    assert_fits(page, PHONE["width"])
    screenshot(page, f"aftersales-trail-phone-{tag}.png")


def _admin_words(page):
    """The admin's own words on the page: captions, headers, labels, buttons, help."""
    return [
        " ".join(text.split())
        for text in page.locator(
            "#header a, #header button, caption, thead th, #changelist-filter summary, "
            "label, fieldset h2, .help, input[type=submit]"
        ).evaluate_all(
            "els => els.map(e => e.value && e.type === 'submit' ? e.value : e.innerText)"
        )
        if text.strip() and not re.search(r"Control|Command|LDAP", text)
    ]


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_staff_supervisor_opens_the_admin_from_the_menu(open_page, make_user, locale):
    grant_supervisor_admin_permissions()
    make_user(Role.SUPERVISOR, username="boss", is_staff=True)
    ticket = make_ticket(actor=make_user(Role.AGENT, username="desk"))
    page = open_page(viewport=DESK, locale=locale)
    sign_in(page, "boss", "pw-boss")
    page.goto("/tickets/")
    page.click(".mainnav a[href='/admin/']")
    page.wait_for_url("**/admin/")
    zh = locale == "zh-CN"
    if zh:
        index = page.locator("caption, th[scope=row]").all_inner_texts()
        assert len(index) > 10 and not _english_leftovers(index), _english_leftovers(index)
    screenshot(page, f"aftersales-admin-index-{locale}.png")
    page.click("a[href='/admin/tickets/customer/']")
    page.wait_for_url("**/admin/tickets/customer/")
    if zh:
        assert not _untranslated(_admin_words(page)), _untranslated(_admin_words(page))
    screenshot(page, f"aftersales-admin-changelist-{locale}.png")
    page.goto(f"/admin/tickets/ticket/{ticket.pk}/change/")
    if zh:
        words = _admin_words(page)
        assert len(words) > 10 and not _untranslated(words), _untranslated(words)
    screenshot(page, f"aftersales-admin-change-form-{locale}.png")
    page.click("#header a.back-to-pages")
    page.wait_for_url(re.compile(r"/(tickets/|dashboard/)?$"))
    assert "/admin/" not in page.url
