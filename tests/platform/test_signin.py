"""Sign-in hardening (README, "Sign-in and sessions"): lockouts on every sign-in path,
the trusted client address, sign-in without Redis, the second factor, the password
policy and idle sessions. Real database; Redis where the suite has it, and a private
one that is stopped for the outage test."""

import datetime
import shutil
import subprocess
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aftersales.http import client_ip
from aftersales.roles import Role
from audits.models import AuditEvent
from technicians.services import technician_create

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


def _page(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _admin(client, username, password, **extra):
    body = {"username": username, "password": password, "next": "/admin/"}
    return client.post(reverse("admin:login"), body, **extra)


def _token(client, username, password, **extra):
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token/", body, format="json", **extra)


PATHS = {"page": _page, "admin": _admin, "token": _token}


def _client(path):
    return APIClient() if path == "token" else Client()


def _signed_in(path, response):
    """Did this answer sign the user in (a session, or a token)?"""
    if path == "token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


@pytest.fixture
def person(make_user):
    """A user who may sign in on every path (staff for the admin; no second factor asked
    of an agent, so the password step is all there is)."""

    def factory(path, username):
        if path == "admin":
            return make_user(Role.SUPERVISOR, username=username, is_staff=True)
        return make_user(Role.AGENT, username=username)

    return factory


# --- Lockout on every path -------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_fifty_wrong_passwords_lock_the_account_and_the_address_forged_xff_or_not(
    path, person, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    victim = person(path, "victim")
    bystander = person(path, "bystander")
    elsewhere = person(path, "elsewhere")
    client, sign_in = _client(path), PATHS[path]

    answers = [
        sign_in(client, victim.username, "wrong-guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        for i in range(50)
    ]

    assert all(a.status_code in (200, 400) for a in answers[:9])
    assert {a.status_code for a in answers[10:]} == {429}
    right = sign_in(client, victim.username, f"pw-{victim.username}")
    assert right.status_code == 429 and not _signed_in(path, right)
    # The address is locked too (50 ≥ 30), whoever signs in from it…
    neighbour = sign_in(_client(path), bystander.username, f"pw-{bystander.username}")
    assert neighbour.status_code == 429
    # …but not another address, for another account.
    other = sign_in(_client(path), elsewhere.username, "pw-elsewhere", REMOTE_ADDR="192.0.2.77")
    assert _signed_in(path, other), other.content[:500]
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").exists()
    assert not AccessAttempt.objects.filter(ip_address__startswith="198.51.100.").exists()


def test_the_lockout_page_is_the_translated_sign_in_form(person):
    victim = person("page", "victim")
    client = Client()
    for _ in range(10):
        _page(client, victim.username, "wrong-guess")

    response = _page(client, victim.username, "pw-victim", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert 'name="password"' in response.content.decode()
    assert "登录失败次数过多" in response.content.decode()


def test_the_token_lockout_answers_json_with_a_code(person):
    victim = person("token", "victim")
    client = APIClient()
    for _ in range(10):
        _token(client, victim.username, "wrong-guess")

    response = _token(client, victim.username, "pw-victim")

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert not Token.objects.filter(user=victim).exists()


def test_ten_failures_lock_an_account_but_an_address_takes_thirty(make_user):
    for n in range(25):
        make_user(Role.AGENT, username=f"desk{n}")
    client = Client()
    # One wrong try each for 25 accounts: below the address's 30, nobody is locked.
    for n in range(25):
        assert _page(client, f"desk{n}", "wrong-guess").status_code == 200
    assert _page(client, "desk0", "pw-desk0").status_code == 302


def test_with_one_trusted_proxy_the_address_it_reports_is_used(make_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(31):
        make_user(Role.AGENT, username=f"desk{n}")
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    for n in range(30):
        _page(Client(), f"desk{n}", "wrong-guess", **attacker)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = _page(Client(), "desk30", "pw-desk30", **attacker)
    colleague = _page(
        Client(), "desk30", "pw-desk30", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert locked.status_code == 429
    assert colleague.status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", PROXY),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_token_throttle_counts_by_trusted_address_not_by_forged_header(make_user, monkeypatch):
    from aftersales.api.throttling import SignInRateThrottle

    monkeypatch.setattr(SignInRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    make_user(Role.INTEGRATOR, username="shop")
    client = APIClient()
    answers = [
        _token(client, "shop", "pw-shop", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_the_audit_trail_records_the_trusted_address(agent, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _page(Client(), "agent", "pw-agent", HTTP_X_FORWARDED_FOR="6.6.6.6")
    [event] = AuditEvent.objects.filter(action="auth.signed_in")
    assert event.ip_address == "127.0.0.1"


def test_the_lockout_ends_after_the_cool_off(person):
    victim = person("page", "victim")
    for _ in range(10):
        _page(Client(), victim.username, "wrong-guess")
    assert _page(Client(), victim.username, "pw-victim").status_code == 429

    # 16 minutes later (the rows' times moved back, no sleeping).
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert _page(Client(), victim.username, "pw-victim").status_code == 302


def test_a_lockout_can_be_reset_by_command(person):
    victim = person("token", "victim")
    for _ in range(10):
        _token(APIClient(), victim.username, "wrong-guess")
    assert _token(APIClient(), victim.username, "pw-victim").status_code == 429

    call_command("axes_reset_username", victim.username)

    assert _token(APIClient(), victim.username, "pw-victim").status_code == 200


def test_a_supervisor_unlocks_in_the_admin(person, make_user, client):
    from aftersales.roles import grant_supervisor_admin_permissions

    grant_supervisor_admin_permissions()
    victim = person("page", "victim")
    for _ in range(10):
        _page(Client(), victim.username, "wrong-guess")
    boss = make_user(Role.SUPERVISOR, username="boss", is_staff=True)
    client.force_login(boss)
    [attempt] = AccessAttempt.objects.all()

    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert _page(Client(), victim.username, "pw-victim").status_code == 302


# --- Sign-in without Redis ---------------------------------------------------------------------


@pytest.fixture
def stopped_redis(settings):
    """A private Redis the cache points at, then stopped: the outage of production."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = 6393
    server = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    server += ["--daemonize", "yes", "--dir", "/tmp"]
    subprocess.run(server, check=True, capture_output=True)
    ping = ["redis-cli", "-p", str(port), "ping"]
    for _ in range(50):
        if subprocess.run(ping, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "aftersales-outage",
        }
    }
    from django.core.cache import cache

    cache.set("probe", 1)
    assert cache.get("probe") == 1  # the cache really was that Redis
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)
    with pytest.raises(Exception):  # noqa: B017 -- whatever django-redis raises: it is down
        cache.get("probe")
    yield
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


def test_sign_in_works_with_redis_down(stopped_redis, make_user):
    make_user(Role.AGENT, username="desk")
    make_user(Role.INTEGRATOR, username="shop")

    page = _page(Client(), "desk", "pw-desk")
    token = _token(APIClient(), "shop", "pw-shop")
    wrong = _page(Client(), "desk", "wrong-guess")

    assert page.status_code == 302
    assert token.status_code == 200 and token.json()["token"]
    assert wrong.status_code == 200  # a failure is still counted, in the database
    assert AccessAttempt.objects.filter(username="desk").exists()


# --- Second factor -----------------------------------------------------------------------------


def _code(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=drift):06d}"


def _enrol(client):
    """Through the enrolment page, like a person with an authenticator app."""
    page = client.get(reverse("second-factor-enrol"), {"next": "/dashboard/"})
    assert page.status_code == 200
    assert "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(
        reverse("second-factor-enrol"), {"code": _code(device), "next": "/dashboard/"}
    )
    assert done.status_code == 200
    assert "Backup codes" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_a_supervisor_must_enrol_before_reaching_the_dashboard_and_the_admin(make_user):
    make_user(Role.SUPERVISOR, username="boss", is_staff=True)
    client = Client()
    assert _page(client, "boss", "pw-boss").status_code == 302

    for url in ("/dashboard/", "/tickets/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("second-factor-enrol"))
    assert client.get("/api/v1/tickets/").status_code in (401, 403)

    _enrol(client)

    assert client.get("/dashboard/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/tickets/").status_code == 200
    assert StaticToken.objects.filter(device__user__username="boss").count() == 10
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled").count() == 1


def test_an_enrolled_supervisor_verifies_with_a_code_on_the_page_and_the_admin(make_user):
    boss = make_user(Role.SUPERVISOR, username="boss", is_staff=True)
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)

    page = Client()
    _page(page, "boss", "pw-boss")
    held = page.get("/dashboard/")
    assert held.status_code == 302 and held.url.startswith(reverse("second-factor-verify"))
    wrong = page.post(reverse("second-factor-verify"), {"code": "000000", "next": "/dashboard/"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    assert page.get("/dashboard/").status_code == 302
    device.throttling_failure_count = 0  # django-otp's own back-off after the wrong code
    device.throttling_failure_timestamp = None
    device.save()
    body = {"code": _code(device), "next": "/dashboard/"}
    right = page.post(reverse("second-factor-verify"), body)
    assert right.status_code == 302 and right.url == "/dashboard/"
    assert page.get("/dashboard/").status_code == 200

    admin = Client()
    assert _admin(admin, "boss", "pw-boss").status_code == 302
    assert admin.get("/admin/").url.startswith(reverse("second-factor-verify"))
    admin.post(reverse("second-factor-verify"), {"code": _code(device, drift=1)})
    assert admin.get("/admin/").status_code == 200


def test_a_backup_code_works_once(make_user):
    boss = make_user(Role.SUPERVISOR, username="boss")
    client = Client()
    _page(client, "boss", "pw-boss")
    device = _enrol(client)
    backup = StaticToken.objects.filter(device__user=boss).first().token

    for attempt, expected in ((1, 302), (2, 200)):
        fresh = Client()
        _page(fresh, "boss", "pw-boss")
        response = fresh.post(reverse("second-factor-verify"), {"code": backup})
        assert response.status_code == expected, attempt
    assert device.user == boss


def test_an_agent_is_not_asked_for_a_second_factor_but_may_enrol(agent):
    client = Client()
    _page(client, "agent", "pw-agent")
    assert client.get("/tickets/").status_code == 200

    _enrol(client)

    later = Client()
    _page(later, "agent", "pw-agent")
    assert later.get("/tickets/").url.startswith(reverse("second-factor-verify"))


@pytest.mark.second_factor_unverified
def test_a_half_signed_in_supervisor_reaches_neither_pages_nor_api(supervisor, client):
    client.force_login(supervisor)
    assert client.get("/dashboard/").url.startswith(reverse("second-factor-enrol"))
    assert client.get("/api/v1/tickets/").status_code in (401, 403)
    assert client.get(reverse("second-factor-enrol")).status_code == 200


def test_the_token_endpoint_asks_a_supervisor_for_the_code(make_user):
    boss = make_user(Role.SUPERVISOR, username="boss")
    client = APIClient()

    unenrolled = _token(client, "boss", "pw-boss")
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    missing = _token(client, "boss", "pw-boss")
    wrong = client.post(
        "/api/v1/auth/token/", {"username": "boss", "password": "pw-boss", "otp": "000000"}
    )
    device.throttling_failure_count = 0
    device.save()
    right = client.post(
        "/api/v1/auth/token/",
        {"username": "boss", "password": "pw-boss", "otp": _code(device)},
        format="json",
    )

    assert unenrolled.status_code == missing.status_code == wrong.status_code == 400
    assert all("otp" in r.json() for r in (unenrolled, missing, wrong))
    assert right.status_code == 200 and right.json()["token"]
    assert AuditEvent.objects.filter(action="auth.sign_in_failed", object_id="boss").exists()


def test_wrong_codes_count_toward_the_lockout_and_end_the_half_session(make_user):
    boss = make_user(Role.SUPERVISOR, username="boss")
    device = TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    client = Client()
    _page(client, "boss", "pw-boss")

    answers = []
    for _ in range(10):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        answers.append(client.post(reverse("second-factor-verify"), {"code": "000000"}))

    assert answers[-1].status_code == 429
    assert "_auth_user_id" not in client.session
    assert _page(Client(), "boss", "pw-boss").status_code == 429


# --- Password policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short-1", "password1234", "1234567890123"])
def test_technician_create_refuses_a_weak_password(supervisor, password):
    with pytest.raises(ValidationError) as refused:
        technician_create(
            actor=supervisor,
            username="tech9",
            full_name="Ma Li",
            phone="13900000000",
            employee_no="T9",
            password=password,
        )
    assert "password" in refused.value.message_dict
    assert not get_user_model().objects.filter(username="tech9").exists()


def test_technician_create_takes_a_strong_password(supervisor):
    technician = technician_create(
        actor=supervisor,
        username="tech9",
        full_name="Ma Li",
        phone="13900000000",
        employee_no="T9",
        password="Lantern-river-58",
    )
    assert technician.user.check_password("Lantern-river-58")


def test_the_admin_refuses_a_short_or_common_password(admin_client):
    for weak in ("abc12", "password1234"):
        response = admin_client.post(
            reverse("admin:auth_user_add"),
            {"username": "newbie", "password1": weak, "password2": weak, "usable_password": "true"},
        )
        assert response.status_code == 200
        assert not get_user_model().objects.filter(username="newbie").exists()


def test_seed_demo_refuses_a_weak_demo_password(settings):
    from django.core.management.base import CommandError

    settings.DEMO_PASSWORD = "demo"
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        call_command("seed_demo")


# --- Idle sessions -----------------------------------------------------------------------------


def test_an_idle_session_expires_and_activity_keeps_it_alive(agent, settings):
    client = Client()
    _page(client, "agent", "pw-agent")
    session = Session.objects.get()
    assert session.expire_date <= timezone.now() + datetime.timedelta(minutes=31)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""  # browser close

    # Activity slides the expiry forward…
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=5))
    assert client.get("/tickets/").status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + datetime.timedelta(minutes=29)

    # …and 30 idle minutes end it.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/tickets/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_page_view_within_a_minute_of_the_last_slide_writes_no_session(agent):
    """Sliding the expiry on every page view was an UPDATE and a commit each time: a view
    that would move it by less than SESSION_SLIDE_SECONDS leaves the row alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    _page(client, "agent", "pw-agent")
    assert client.get("/tickets/").status_code == 200
    before = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tickets/")
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]
    assert not [q for q in queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    assert Session.objects.get().expire_date == before

    # Two minutes later (the stored expiry two minutes behind), the view slides it again.
    Session.objects.update(expire_date=before - datetime.timedelta(minutes=2))
    assert client.get("/tickets/").status_code == 200
    assert Session.objects.get().expire_date > before - datetime.timedelta(seconds=5)
