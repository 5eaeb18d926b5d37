"""English and Simplified Chinese are complete: the catalogue has no empty or fuzzy entry,
every model and field of our apps is named through gettext, and the admin shows Chinese
model names (no "工单编号序列s" plurals) when asked for Chinese."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils.functional import Promise

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# aftersales/signin, aftersales/platform, audits (with audits/quality, audits/safety_net),
# tickets, technicians, parts.
OUR_APPS = {"signin", "platform", "audits", "quality", "safety_net", "tickets"}
OUR_APPS |= {"technicians", "parts"}
CJK = re.compile(r"[\u4e00-\u9fff]")
# Latin letters a Chinese admin label may keep: acronyms and product names.
KEPT_LATIN = re.compile(r"\b(SLA|KPI|SKU|ID|URL|SMS|IP|MAC|UUID|API|Webhook|JSON)\b")


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_compiled_catalogue_is_current():
    """The committed .mo holds every translation of the .po (scripts/messages compiles it)."""
    catalogue = polib.pofile(str(CATALOGUE))
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural
        for entry in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    }
    stale = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if compiled.get((entry.msgctxt, entry.msgid)) != (entry.msgstr or entry.msgstr_plural)
    ]
    assert not stale, f"not compiled: {stale[:20]}"


def _our_models():
    return [m for m in apps.get_models() if m._meta.app_config.label in OUR_APPS]


def test_every_model_field_and_choice_of_our_apps_has_a_translated_name():
    missing = []
    for config in apps.get_app_configs():
        if config.label in OUR_APPS and not isinstance(config.verbose_name, Promise):
            missing.append(f"app {config.label}: verbose_name")
    for model in _our_models():
        opts = model._meta
        if not isinstance(opts.verbose_name, Promise):
            missing.append(f"{opts.label}: verbose_name")
        if "verbose_name_plural" not in opts.original_attrs or not isinstance(
            opts.verbose_name_plural, Promise
        ):
            missing.append(f"{opts.label}: verbose_name_plural")
        for field in opts.get_fields():
            if field.auto_created:  # reverse relations, the implicit id
                continue
            if not isinstance(getattr(field, "verbose_name", None), Promise):
                missing.append(f"{opts.label}.{field.name}")
            if getattr(field, "help_text", "") and not isinstance(field.help_text, Promise):
                missing.append(f"{opts.label}.{field.name}: help_text")
            for value, label in getattr(field, "flatchoices", None) or ():
                if not isinstance(label, Promise):
                    missing.append(f"{opts.label}.{field.name}: choice {value!r}")
    assert not missing, "\n".join(missing)
    assert len(_our_models()) > 40  # the introspection found the apps


def test_admin_columns_of_our_models_are_named_through_gettext():
    """A ``list_display`` entry that is not a field (a property, a method) has its own
    translated description; Django would otherwise title-case its Python name."""
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_config.label not in OUR_APPS:
            continue
        for name in model_admin.list_display:
            label = label_for_field(name, model, model_admin)
            field_names = {f.name for f in model._meta.get_fields()}
            if name not in field_names and not isinstance(label, Promise):
                missing.append(f"{model._meta.label}: {name}")
    assert not missing, missing


class _AdminNames(HTMLParser):
    """Collects the texts of the admin's app captions and model rows (index, sidebar)."""

    def __init__(self):
        super().__init__()
        self.names, self._depth, self._in = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag in ("caption", "th"):
            self._in, self._text = tag, []

    def handle_endtag(self, tag):
        if tag == self._in:
            text = " ".join("".join(self._text).split())
            if text:
                self.names.append(text)
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text.append(data)


def _english_leftovers(names):
    bad = []
    for name in names:
        latin = KEPT_LATIN.sub("", name)
        if not CJK.search(name) or re.search(r"[A-Za-z]", latin):
            bad.append(name)
    return bad


@pytest.mark.django_db
def test_admin_index_and_changelist_in_chinese_show_no_english_model_names(admin_client):
    index = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert index.status_code == 200
    assert index.headers["Content-Language"] == "zh-hans"
    parser = _AdminNames()
    parser.feed(index.content.decode())
    assert len(parser.names) > 50, parser.names  # every app and model of the site
    assert not _english_leftovers(parser.names), "\n".join(_english_leftovers(parser.names))
    assert "工单编号序列" in index.content.decode()
    assert not re.search(r"[\u4e00-\u9fff]s\b", index.content.decode())

    changelist = admin_client.get(
        reverse("admin:tickets_customer_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert changelist.status_code == 200
    page = changelist.content.decode()
    headers = re.findall(r'<th scope="col"[^>]*>.*?<a [^>]*>(.*?)</a>', page, re.S)
    headers += re.findall(r'<th scope="col"[^>]*>\s*<div class="text"><span>(.*?)</span>', page)
    assert len(headers) >= 5, headers
    assert not _english_leftovers(headers), headers
    filters = re.findall(r"<summary>\s*(.*?)\s*</summary>", page, re.S)
    assert filters and not _english_leftovers(filters), filters
    assert not re.search(r"[\u4e00-\u9fff]s\b", page)


# --- Change forms, users and groups, the admin's own header ------------------------------------

# Our own words on a change form: field labels, fieldset captions, help texts, buttons.
_FORM_TEXTS = (
    r"<label[^>]*>(.*?)</label>",
    r"<fieldset[^>]*>\s*<h2[^>]*>(.*?)</h2>",
    r'<div class="help"[^>]*>(.*?)</div>',
    r'<input type="submit"[^>]*value="([^"]+)"',
    r"<button[^>]*>(.*?)</button>",
)
# Words Django's Chinese catalogue itself keeps in Latin letters.
_DJANGO_LATIN = re.compile(r"Control|Command|Mac|LDAP|---------")
# pghistory's own models (context, events) have no translations; nothing of ours.
_THIRD_PARTY_UNTRANSLATED = ("Pghistory | ",)


def _untranslated(texts):
    """Texts with Latin words left once the kept acronyms are taken out ("ID:" passes)."""
    return [text for text in texts if re.search(r"[A-Za-z]", KEPT_LATIN.sub("", text))]


def _texts(page, patterns):
    texts = []
    for pattern in patterns:
        for match in re.findall(pattern, page, re.S):
            text = " ".join(re.sub(r"<[^>]+>", " ", match).split())
            if text and not _DJANGO_LATIN.search(text):
                texts.append(text)
    return texts


def _options(page, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    options = [
        " ".join(o.split()) for o in re.findall(r"<option[^>]*>(.*?)</option>", select[1], re.S)
    ]
    return [o for o in options if not o.startswith(_THIRD_PARTY_UNTRANSLATED)]


@pytest.mark.django_db
def test_admin_change_forms_in_chinese_have_no_english_labels(admin_client, make_user):
    from django.contrib.auth.models import Group

    from tests.tickets.factories import TechnicianFactory, make_ticket

    agent = make_user("agent")
    ticket = make_ticket(actor=agent)
    technician = TechnicianFactory()
    group = Group.objects.get(name="supervisor")
    pages = {
        "ticket": reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        "customer": reverse("admin:tickets_customer_change", args=[ticket.customer_id]),
        "technician": reverse("admin:technicians_technician_change", args=[technician.pk]),
        "group": reverse("admin:auth_group_change", args=[group.pk]),
        "user": reverse("admin:auth_user_change", args=[agent.pk]),
    }
    for name, url in pages.items():
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, name
        page = response.content.decode()
        texts = _texts(page, _FORM_TEXTS)
        assert len(texts) >= 5, (name, texts)
        assert not _untranslated(texts), (name, _untranslated(texts))
        assert not re.search(r"[\u4e00-\u9fff]s\b", page), name
    # Permissions (Django stores them as "Can add ticket") and role groups, in words.
    group_page = admin_client.get(pages["group"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    permissions = _options(group_page, "permissions")
    assert len(permissions) > 100
    assert not _english_leftovers(permissions), _english_leftovers(permissions)[:10]
    assert "工单 | 工单 | 可查看" in permissions
    user_page = admin_client.get(pages["user"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    groups = _options(user_page, "groups")
    assert groups and not _english_leftovers(groups), groups
    users = admin_client.get(reverse("admin:auth_user_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    filters = re.findall(
        r'<li[^>]*>\s*<a href="\?groups__id__exact=\d+"[^>]*>(.*?)</a>', users.content.decode()
    )
    assert filters and not _english_leftovers(filters), filters
    groups_list = admin_client.get(
        reverse("admin:auth_group_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "主管" in groups_list.content.decode() or not _english_leftovers(
        re.findall(r'<th class="field-label"><a [^>]*>(.*?)</a>', groups_list.content.decode())
    )


@pytest.mark.django_db
def test_admin_header_is_ours_and_leads_back_to_the_pages(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "css/admin.css" in page
    assert re.search(rf'<a class="back-to-pages" href="{reverse("home")}">', page)
    header = re.search(r'<header id="header">.*?</header>', page, re.S).group(0)
    words = _texts(
        header, (r"<a[^>]*>(.*?)</a>", r"<button[^>]*>(.*?)</button>", r"<span[^>]*>(.*?)</span>")
    )
    assert words and not _untranslated(words), words
