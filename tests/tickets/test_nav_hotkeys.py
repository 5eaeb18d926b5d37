"""Every menu entry has its own "g <letter>" shortcut, whatever roles a person holds."""

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory

from aftersales.roles import Role
from tickets.templatetags.tickets_ui import nav_links

pytestmark = pytest.mark.django_db


def test_no_two_menu_entries_share_a_shortcut(make_user):
    user = make_user(Role.SUPERVISOR, is_staff=True)
    for role in (Role.AGENT, Role.AUDITOR, Role.TECHNICIAN):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    request = RequestFactory().get("/")
    request.user = user
    links = nav_links({"request": request})
    hotkeys = [link["hotkey"] for link in links]
    assert len(links) >= 14  # every entry of the menu
    assert len(hotkeys) == len(set(hotkeys)), hotkeys
