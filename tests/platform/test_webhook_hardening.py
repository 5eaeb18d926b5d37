"""Webhooks, hardened: public receivers only (at save and after DNS at delivery, pinned),
Standard Webhooks signatures, disabling after failures, re-enabling, test events.

Receivers run on 127.0.0.1 (allow-listed by the test settings) on ports 8840-8849."""

import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from aftersales.platform import outbound, services
from aftersales.platform.models import (
    Notification,
    NotificationKind,
    Webhook,
    WebhookDelivery,
)
from aftersales.platform.services.webhooks import webhook_signature
from audits.models import AuditEvent
from tests.conftest import _client_for
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

SECRET = "s3cret-s3cret-s3cret"
README = Path(__file__).resolve().parents[2] / "README.md"


def _hook(user, url, events=("ticket.created",), secret=SECRET):
    return services.webhook_create(actor=user, url=url, events=list(events), secret=secret)


def _refused_message(response):
    assert response.status_code == 400, response.data
    return " ".join(str(m) for m in response.data["url"])


# --- The address rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link_local"),
        ("fe80::1", "link_local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "shared"),
        ("100.127.255.254", "shared"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("fd12:3456::1", "unique_local"),
        ("fc00::1", "unique_local"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped: judged by the IPv4 address inside
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("240.0.0.1", "private"),  # reserved (class E), is_private in Python 3.11
        ("64:ff9b::7f00:1", "reserved"),  # NAT64 of 127.0.0.1
    ],
)
def test_address_rule_refuses_every_non_public_range(address, reason):
    assert outbound.address_refusal(address) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "203.0.114.1"])
def test_address_rule_lets_public_addresses_through(address):
    assert ipaddress.ip_address(address).is_global
    assert outbound.address_refusal(address) is None


# --- At save -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.2:8080/hook", "127.0.0.2 is a loopback address."),
        ("http://localhost:8080/hook", "localhost resolves to 127.0.0.1, a loopback address."),
        ("http://[::1]/hook", "::1 is a loopback address."),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address."),
        ("https://10.0.0.5/hook", "10.0.0.5 is a private address."),
        ("https://192.168.1.20/hook", "192.168.1.20 is a private address."),
        ("https://100.64.0.1/hook", "100.64.0.1 is a carrier-grade NAT (shared) address."),
        ("http://224.0.0.1/hook", "224.0.0.1 is a multicast address."),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address."),
        ("http://[fd00::1]/hook", "fd00::1 is an IPv6 unique local address."),
        ("http://[fe80::1]/hook", "fe80::1 is a link-local address."),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address."),
    ],
)
def test_a_receiver_on_a_non_public_address_is_refused_at_save(integrator_client, url, expected):
    response = integrator_client.post(
        "/api/v1/webhooks/", {"url": url, "events": ["ticket.created"], "secret": SECRET}
    )
    message = _refused_message(response)
    assert message.startswith(expected)
    assert "public addresses only" in message and "WEBHOOK_ALLOWED_HOSTS" in message
    assert not Webhook.objects.exists()


def test_the_allow_list_admits_exactly_the_hosts_it_names(integrator, settings):
    # The test settings name 127.0.0.1 — not localhost, though it resolves there.
    assert settings.WEBHOOK_ALLOWED_HOSTS == ["127.0.0.1"]
    assert _hook(integrator, "http://127.0.0.1:8840/hook").pk
    with pytest.raises(ValidationError, match=re.escape("localhost resolves to 127.0.0.1")):
        _hook(integrator, "http://localhost:8840/hook")
    settings.WEBHOOK_ALLOWED_HOSTS = ["LocalHost", "10.0.0.5", "[fd00::1]"]
    for url in ("http://localhost:8840/hook", "https://10.0.0.5/h", "http://[fd00::1]/h"):
        assert _hook(integrator, url).pk
    with pytest.raises(ValidationError, match=re.escape("10.0.0.6 is a private address")):
        _hook(integrator, "https://10.0.0.6/h")


@pytest.mark.parametrize("host", ["2130706433", "127.1", "0x7f.0.0.1", "017700000001"])
def test_other_spellings_of_loopback_are_refused_by_the_service(integrator, host):
    """Not IP literals to ``ipaddress``, but to the resolver: judged by what they resolve
    to (the API's URL field refuses them earlier; the service does not rely on it)."""
    with pytest.raises(ValidationError) as refused:
        _hook(integrator, f"http://{host}/hook")
    assert str(refused.value.message_dict["url"][0]).startswith(
        f"{host} resolves to 127.0.0.1, a loopback address."
    )


@settings_hypothesis(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["http://", "https://", "ftp://", ""]))
def test_the_save_check_answers_every_url_without_raising(host, scheme):
    refused = outbound.destination_refusal(f"{scheme}{host}/hook")
    assert refused is None or isinstance(refused, outbound.DestinationRefused)


def test_a_url_with_credentials_is_refused(integrator_client):
    response = integrator_client.post(
        "/api/v1/webhooks/",
        {"url": "https://user:pw@hooks.example.com/", "events": ["sla.breached"], "secret": SECRET},
    )
    assert "no user name or password" in _refused_message(response)


def test_a_name_that_does_not_resolve_yet_is_saved_and_refused_at_delivery(integrator, agent):
    hook = _hook(integrator, "https://hooks.aftersales-tests.invalid/hook")
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30  # retried
    delivery.refresh_from_db()
    assert delivery.attempts_log[0]["error"] == "refused: unresolvable"


# --- At delivery, after DNS --------------------------------------------------------------


def test_a_loopback_receiver_saved_while_allowed_is_refused_at_delivery(
    integrator, agent, receiver, settings
):
    url, received, _codes = receiver
    hook = _hook(integrator, url)
    make_ticket(actor=agent)
    settings.WEBHOOK_ALLOWED_HOSTS = []
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30
    assert received == []  # nothing reached the receiver
    delivery.refresh_from_db()
    attempt = delivery.attempts_log[0]
    assert (attempt["error"], attempt["address"], attempt["status_code"]) == (
        "refused: loopback",
        "127.0.0.1",
        None,
    )
    assert delivery.status == "pending"


def test_a_name_resolving_to_loopback_is_refused_at_delivery_after_resolution(
    integrator, agent, receiver, settings
):
    url, received, _codes = receiver
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    hook = _hook(integrator, url.replace("127.0.0.1", "localhost"))
    make_ticket(actor=agent)
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the address, not the name
    delivery = WebhookDelivery.objects.get(webhook=hook)
    services.webhook_deliver(delivery_id=delivery.pk)
    assert received == []
    delivery.refresh_from_db()
    assert delivery.attempts_log[0]["error"] == "refused: loopback"


def test_delivery_connects_to_the_address_it_checked_not_a_rebound_one(
    integrator, agent, receiver, monkeypatch, settings
):
    """A DNS server answering a public address to the check and 127.0.0.1 afterwards (DNS
    rebinding) gets one lookup: the connection goes to the checked address."""
    url, received, _codes = receiver
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    answers, lookups, connects = ["8.8.8.8"], [], []

    def rebinding_dns(host, *args, **kwargs):
        if host != "rebind.example.com":
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        address = answers.pop(0) if answers else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def no_way_out(address, *args, **kwargs):
        connects.append(address)
        if address[0] != "127.0.0.1":  # the test never reaches a real public address
            raise ConnectionRefusedError("refused by the test")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    monkeypatch.setattr(socket, "create_connection", no_way_out)
    hook = _hook(integrator, f"http://rebind.example.com:{port}/hook")  # the save's lookup
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    answers.append("8.8.8.8")  # the delivery's lookup: public again; any later one: loopback
    lookups.clear()
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30
    assert lookups == ["rebind.example.com"]  # resolved once
    assert connects == [("8.8.8.8", port)]
    assert received == []
    delivery.refresh_from_db()
    assert delivery.attempts_log[0]["address"] == ""
    assert "refused by the test" in delivery.attempts_log[0]["error"]


def test_one_refused_address_among_a_names_answers_refuses_the_attempt(
    integrator, agent, monkeypatch
):
    real_getaddrinfo, connects = socket.getaddrinfo, []

    def dns(host, port, *args, **kwargs):
        if host != "mixed.example.com":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))
    with pytest.raises(ValidationError, match=re.escape("resolves to 10.0.0.7, a private")):
        _hook(integrator, "https://mixed.example.com/hook")
    hook = _hook(integrator, "https://hooks.aftersales-tests.invalid/hook")  # accepted
    Webhook.objects.filter(pk=hook.pk).update(url="https://mixed.example.com/hook")
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.attempts_log[0]["error"], delivery.attempts_log[0]["address"]) == (
        "refused: private",
        "10.0.0.7",
    )
    assert connects == []  # not even the public one was tried


class _Receiver:
    """An HTTP(S) receiver on 127.0.0.1:``port`` recording requests (headers, body) and the
    TLS server name asked for; answers ``answers`` in turn (code, headers), then 200."""

    def __init__(self, port, *, tls_context=None):
        self.requests, self.server_names, self.answers = [], [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                code, headers = outer.answers.pop(0) if outer.answers else (200, {})
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        if tls_context is not None:
            tls_context.sni_callback = lambda sock, name, ctx: outer.server_names.append(name)
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pki(tmp_path):
    """make(name) → an SSL server context with a certificate for ``name`` signed by a test
    CA; ``ca`` is the CA's PEM file."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Aftersales test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def make(name):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .sign(ca_key, hashes.SHA256())
        )
        cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context

    make.ca = str(ca_file)
    return make


@pytest.fixture
def receivers():
    made = []

    def make(port, **kwargs):
        made.append(_Receiver(port, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_https_delivery_to_the_pinned_address_keeps_host_sni_and_certificate_check(
    integrator, agent, settings, pki, receivers
):
    tls = receivers(8840, tls_context=pki("localhost"))
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    settings.WEBHOOK_CA_BUNDLE = pki.ca
    outbound._tls_context.cache_clear()
    hook = _hook(integrator, "https://localhost:8840/hook?shop=7")
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert services.webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == "delivered", delivery.attempts_log
    headers, _body = tls.requests[0]
    assert headers["Host"] == "localhost:8840"
    assert tls.server_names == ["localhost"]  # SNI names the host, not the address
    assert delivery.attempts_log[0]["address"] == "127.0.0.1"


def test_https_receiver_with_a_certificate_for_another_name_is_refused(
    integrator, agent, settings, pki, receivers
):
    tls = receivers(8841, tls_context=pki("other.example.com"))
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    settings.WEBHOOK_CA_BUNDLE = pki.ca
    outbound._tls_context.cache_clear()
    hook = _hook(integrator, "https://localhost:8841/hook")
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.attempts_log[0]["error"]
    assert tls.requests == []


def test_redirects_are_not_followed(integrator, agent, receivers):
    redirecting, target = receivers(8842), receivers(8843)
    redirecting.answers.append((307, {"Location": "http://127.0.0.1:8843/elsewhere"}))
    hook = _hook(integrator, "http://127.0.0.1:8842/hook")
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert services.webhook_deliver(delivery_id=delivery.pk) == 30  # a failed attempt
    delivery.refresh_from_db()
    assert (delivery.attempts_log[0]["status_code"], delivery.attempts_log[0]["error"]) == (
        307,
        "HTTP 307",
    )
    assert len(redirecting.requests) == 1 and target.requests == []


# --- Signatures --------------------------------------------------------------------------


def test_signature_is_the_standard_webhooks_test_vector():
    """The reference test vector of the Standard Webhooks libraries."""
    signature = webhook_signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body=b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _readme_snippet():
    text = README.read_text()
    match = re.search(
        r"<!-- webhook-verification-snippet -->\n```python\n(.*?)```", text, flags=re.S
    )
    assert match, "README lost its verification snippet"
    namespace = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)
    return namespace["verify_aftersales_webhook"], namespace["WebhookVerificationError"]


@pytest.mark.parametrize("secret", [SECRET, "whsec_" + base64.b64encode(b"k" * 32).decode()])
def test_the_readme_snippet_verifies_every_attempt_and_refuses_tampering(
    integrator, agent, receiver, secret
):
    verify, VerificationError = _readme_snippet()
    url, received, codes = receiver
    hook = _hook(integrator, url, secret=secret)
    make_ticket(actor=agent)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    codes.append(500)
    services.webhook_deliver(delivery_id=delivery.pk)
    services.webhook_deliver(delivery_id=delivery.pk)
    assert len(received) == 2
    for headers, body in received:
        assert headers["webhook-id"] == str(delivery.pk) == headers["X-Delivery"]
        assert re.fullmatch(r"\d{10}", headers["webhook-timestamp"])
        assert headers["webhook-signature"].startswith("v1,")
        event = verify(secret, body, headers)
        assert (event["id"], event["event"]) == (delivery.pk, "ticket.created")
    headers, body = received[-1]
    with pytest.raises(VerificationError):
        verify(secret, body.replace(b"ticket.created", b"ticket.deleted"), headers)
    with pytest.raises(VerificationError):
        verify(secret, body, {**headers, "webhook-id": "another-id"})
    with pytest.raises(VerificationError):
        verify("another-secret-of-16+", body, headers)
    old = {**headers, "webhook-timestamp": str(int(timezone.now().timestamp()) - 600)}
    with pytest.raises(VerificationError):  # the id and time are signed: no replays
        verify(secret, body, old)


def test_the_legacy_signature_header_is_sent_until_turned_off(
    integrator, agent, receiver, settings
):
    url, received, _codes = receiver
    _hook(integrator, url)
    make_ticket(actor=agent)
    make_ticket(actor=agent)
    first, second = WebhookDelivery.objects.order_by("id")
    services.webhook_deliver(delivery_id=first.pk)
    headers, body = received[0]
    assert headers["X-Signature"] == (
        "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    )
    settings.WEBHOOK_LEGACY_SIGNATURE = False
    services.webhook_deliver(delivery_id=second.pk)
    headers, _body = received[1]
    assert "X-Signature" not in headers and headers["webhook-signature"].startswith("v1,")


@pytest.mark.parametrize(
    "secret", ["whsec_not*base64*at*all!!", "whsec_" + base64.b64encode(b"short-key-12").decode()]
)
def test_a_malformed_whsec_secret_is_refused(integrator_client, secret):
    response = integrator_client.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/", "events": ["ticket.created"], "secret": secret},
    )
    assert response.status_code == 400 and "24 to 64" in str(response.data["secret"])


# --- Failing webhooks: disabled, told, re-enabled -----------------------------------------


def _fail(delivery, times):
    for _ in range(times):
        services.webhook_deliver(delivery_id=delivery.pk)


def test_failing_n_times_in_a_row_disables_the_webhook_tells_its_owner_and_audits(
    integrator, agent, receiver, settings
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    url, received, codes = receiver
    hook = _hook(integrator, url)
    make_ticket(actor=agent)
    make_ticket(actor=agent)
    first, second = WebhookDelivery.objects.order_by("id")
    codes.extend([500, 503])
    _fail(first, 2)
    hook.refresh_from_db()
    assert (hook.active, hook.consecutive_failures) == (True, 2)
    codes.append(502)
    _fail(second, 1)  # the third in a row, on another delivery
    hook.refresh_from_db()
    assert (hook.active, hook.disabled_reason, hook.consecutive_failures) == (
        False,
        "failing",
        3,
    )
    assert hook.disabled_at is not None
    event = AuditEvent.objects.get(action="webhook.disabled")
    assert (event.actor, event.object_id) == (None, str(hook.pk))
    assert event.changes["consecutive_failures"] == 3 and event.changes["last_error"] == "HTTP 502"
    told = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert {(n.user, n.channel) for n in told} == {(integrator, "email"), (integrator, "inbox")}
    mail = told.get(channel="email")
    assert f"Webhook {hook.pk} disabled after 3 failed deliveries" in mail.subject
    assert url in mail.body and "HTTP 502" in mail.body
    assert f"/api/v1/webhooks/{hook.pk}/reenable/" in mail.body

    # Off: no new event is recorded for it, and the pending ones are held, not posted.
    make_ticket(actor=agent)
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 2
    posted = len(received)
    assert services.webhook_deliver(delivery_id=first.pk) is None
    assert len(received) == posted
    first.refresh_from_db()
    assert (first.status, first.next_attempt_at, first.attempts) == ("pending", None, 2)


def test_a_delivered_attempt_resets_the_failure_count(integrator, agent, receiver, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    url, _received, codes = receiver
    hook = _hook(integrator, url)
    for _ in range(3):
        make_ticket(actor=agent)
    a, b, c = WebhookDelivery.objects.order_by("id")
    codes.extend([500, 500, 200, 500, 500])
    _fail(a, 2)
    _fail(b, 1)  # delivered
    _fail(c, 2)
    hook.refresh_from_db()
    assert (hook.active, hook.consecutive_failures) == (True, 2)


def test_a_410_gone_disables_at_once(integrator, agent, receiver, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 20
    url, _received, codes = receiver
    hook = _hook(integrator, url)
    make_ticket(actor=agent)
    codes.append(410)
    _fail(WebhookDelivery.objects.get(webhook=hook), 1)
    hook.refresh_from_db()
    assert (hook.active, hook.disabled_reason, hook.consecutive_failures) == (False, "failing", 1)
    assert AuditEvent.objects.get(action="webhook.disabled").changes["last_error"] == "HTTP 410"


@pytest.fixture
def disabled_hook(integrator, agent, receiver, settings):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    url, _received, codes = receiver
    hook = _hook(integrator, url)
    make_ticket(actor=agent)
    codes.append(500)
    _fail(WebhookDelivery.objects.get(webhook=hook), 1)
    hook.refresh_from_db()
    assert not hook.active
    return hook


def test_reenable_turns_it_back_on_audits_and_sends_the_held_deliveries(
    disabled_hook, integrator_client, integrator, receiver
):
    _url, received, _codes = receiver
    held = WebhookDelivery.objects.get(webhook=disabled_hook)
    services.webhook_deliver(delivery_id=held.pk)  # its retry while off: held
    response = integrator_client.post(f"/api/v1/webhooks/{disabled_hook.pk}/reenable/")
    assert response.status_code == 200, response.data
    assert (response.data["active"], response.data["consecutive_failures"]) == (True, 0)
    assert response.data["disabled_reason"] == "" and response.data["disabled_at"] is None
    event = AuditEvent.objects.get(action="webhook.reenabled")
    assert (event.actor, event.changes["active"]) == (integrator, [False, True])
    held.refresh_from_db()
    assert held.next_attempt_at is not None
    assert services.webhook_deliver(delivery_id=held.pk) is None
    held.refresh_from_db()
    assert held.status == "delivered" and len(received) == 2
    assert integrator_client.post(f"/api/v1/webhooks/{disabled_hook.pk}/reenable/").data[
        "active"
    ]  # again: nothing to do
    assert AuditEvent.objects.filter(action="webhook.reenabled").count() == 1


def test_reenable_is_the_owners_or_a_supervisors_and_checks_the_url_again(
    disabled_hook, integrator_client, supervisor_client, agent_client, make_user, settings
):
    url = f"/api/v1/webhooks/{disabled_hook.pk}/reenable/"
    other = _client_for(make_user("integrator", username="other-shop"))
    assert other.post(url).status_code == 404
    assert agent_client.post(url).status_code == 403
    settings.WEBHOOK_ALLOWED_HOSTS = []
    refused = integrator_client.post(url)
    assert "127.0.0.1 is a loopback address" in _refused_message(refused)
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert supervisor_client.post(url).status_code == 200
    disabled_hook.refresh_from_db()
    assert disabled_hook.active


def test_a_deactivated_webhook_cannot_be_reenabled_nor_tested(integrator_client, integrator):
    hook = _hook(integrator, "http://127.0.0.1:8844/hook")
    assert integrator_client.delete(f"/api/v1/webhooks/{hook.pk}/").status_code == 204
    for action in ("reenable", "test"):
        response = integrator_client.post(f"/api/v1/webhooks/{hook.pk}/{action}/")
        assert (response.status_code, response.data["code"]) == (409, "webhook_deactivated")
    hook.refresh_from_db()
    assert (hook.active, hook.disabled_reason) == (False, "deactivated")


# --- Test events, latency and status per attempt ----------------------------------------


def test_send_test_event_is_signed_posted_once_and_shows_status_and_latency(
    integrator_client, integrator, receiver, django_capture_on_commit_callbacks
):
    url, received, codes = receiver
    hook = _hook(integrator, url)
    with django_capture_on_commit_callbacks() as callbacks:
        response = integrator_client.post(f"/api/v1/webhooks/{hook.pk}/test/")
    assert response.status_code == 202, response.data
    assert (response.data["event"], response.data["status"]) == ("webhook.test", "pending")
    assert callbacks  # the delivery task is published after commit
    assert AuditEvent.objects.filter(action="webhook.test_sent", actor=integrator).exists()
    assert services.webhook_deliver(delivery_id=response.data["id"]) is None
    headers, body = received[0]
    assert headers["X-Event"] == "webhook.test"
    assert json.loads(body)["data"] == {"webhook": hook.pk, "test": True}

    codes.append(500)
    failed = integrator_client.post(f"/api/v1/webhooks/{hook.pk}/test/").data
    assert services.webhook_deliver(delivery_id=failed["id"]) is None  # no retry
    listed = integrator_client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").data["results"]
    assert [(d["event"], d["status"], d["last_status_code"]) for d in listed] == [
        ("webhook.test", "failed", 500),
        ("webhook.test", "delivered", 200),
    ]
    attempt = listed[1]["attempts_log"][0]
    assert attempt["status_code"] == 200 and attempt["address"] == "127.0.0.1"
    assert isinstance(attempt["ms"], int) and listed[1]["last_latency_ms"] == attempt["ms"]
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0  # test events are left out of the count


def test_a_test_event_goes_out_while_the_webhook_is_disabled_after_failures(
    disabled_hook, integrator_client, receiver
):
    _url, received, _codes = receiver
    response = integrator_client.post(f"/api/v1/webhooks/{disabled_hook.pk}/test/")
    assert response.status_code == 202
    services.webhook_deliver(delivery_id=response.data["id"])
    assert json.loads(received[-1][1])["event"] == "webhook.test"
    disabled_hook.refresh_from_db()
    assert not disabled_hook.active  # a test never re-enables by itself


def test_webhook_lists_run_a_constant_number_of_queries(
    integrator, integrator_client, django_assert_max_num_queries
):
    hook = _hook(integrator, "http://127.0.0.1:8845/hook")
    for _ in range(5):
        services.webhook_send_test(webhook=hook, actor=integrator)
        _hook(integrator, "http://127.0.0.1:8845/hook")
    with django_assert_max_num_queries(6):
        assert len(integrator_client.get("/api/v1/webhooks/").data["results"]) == 6
    with django_assert_max_num_queries(6):
        response = integrator_client.get(f"/api/v1/webhooks/{hook.pk}/deliveries/")
        assert len(response.data["results"]) == 5


# --- The admin ---------------------------------------------------------------------------


def test_admin_reenables_and_sends_test_events_through_the_services(
    disabled_hook, supervisor_admin, supervisor
):
    changelist = "/admin/platform/webhook/"
    page = supervisor_admin.get(changelist)
    assert page.status_code == 200
    assert b"Re-enable the selected webhooks" in page.content
    response = supervisor_admin.post(
        changelist, {"action": "reenable", "_selected_action": [disabled_hook.pk]}, follow=True
    )
    assert b"1 webhooks re-enabled." in response.content
    disabled_hook.refresh_from_db()
    assert disabled_hook.active
    assert AuditEvent.objects.get(action="webhook.reenabled").actor == supervisor
    supervisor_admin.post(
        changelist, {"action": "send_test_event", "_selected_action": [disabled_hook.pk]}
    )
    test_delivery = WebhookDelivery.objects.get(webhook=disabled_hook, event="webhook.test")
    services.webhook_deliver(delivery_id=test_delivery.pk)

    deliveries = supervisor_admin.get("/admin/platform/webhookdelivery/")
    assert b"Last latency (ms)" in deliveries.content
    detail = supervisor_admin.get(f"/admin/platform/webhookdelivery/{test_delivery.pk}/change/")
    assert b"<td>200</td>" in detail.content and b"127.0.0.1" in detail.content


def test_admin_actions_are_refused_to_staff_without_the_supervisor_role(
    disabled_hook, client, make_user
):
    from aftersales.roles import grant_supervisor_admin_permissions

    grant_supervisor_admin_permissions()
    auditor = make_user("auditor", is_staff=True)
    from django.contrib.auth.models import Permission

    auditor.user_permissions.add(Permission.objects.get(codename="view_webhook"))
    client.force_login(auditor)
    page = client.get("/admin/platform/webhook/")
    assert page.status_code == 200 and b"Re-enable the selected webhooks" not in page.content
    client.post(
        "/admin/platform/webhook/",
        {"action": "reenable", "_selected_action": [disabled_hook.pk]},
    )
    disabled_hook.refresh_from_db()
    assert not disabled_hook.active
