"""Outbound HTTP to addresses that integrators choose (webhook receivers).

The rule: a receiver must be on a public address. Loopback, link-local, private, shared
(CGNAT, 100.64.0.0/10), multicast, unspecified, IPv6 unique-local and reserved addresses
are refused — judged by the ``ipaddress`` properties, on the address itself and on the
IPv4 address an IPv4-mapped or 6to4 address carries — unless the URL's host, as written,
is in ``WEBHOOK_ALLOWED_HOSTS`` (host names and IP addresses, compared exactly; a receiver
on the service centre's own network is named there on purpose).

``destination_refusal`` applies it when a subscription is saved; ``post`` applies it again
at every delivery on the addresses DNS answers then, and connects to one of exactly those
addresses: the name is resolved once per attempt, so a DNS server answering a public
address to the check and ``127.0.0.1`` to the connection (DNS rebinding) cannot redirect
the request. The request keeps the URL's host in its ``Host`` header and in TLS (SNI and
the certificate's name check). Redirects are never followed (a 3xx is an answer like any
other), and no proxy from the environment is used.
"""

import dataclasses
import functools
import http.client
import ipaddress
import socket
import ssl
import urllib.parse

from django.conf import settings

SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")  # RFC 4193


class DestinationRefused(Exception):
    """The URL may not be called. ``reason`` is a stable code (``loopback``, ``private``,
    ``unresolvable``, ``bad_url``, …), ``address`` the address that was refused, if any."""

    def __init__(self, reason, address=""):
        super().__init__(f"{reason} {address}".strip())
        self.reason = reason
        self.address = address


@dataclasses.dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # without brackets, lower case
    port: int
    path: str  # path and query, at least "/"


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    address: str  # the address the request went to


def parse(url):
    """The URL's scheme, host, port and path, or ``DestinationRefused("bad_url")``."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused("bad_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused("bad_url")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("credentials_in_url")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host = parts.hostname.lower().rstrip(".")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def _normalised(host):
    host = host.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def host_allowed(host):
    """Whether ``host`` (as written in the URL) is on ``WEBHOOK_ALLOWED_HOSTS``."""
    allowed = {_normalised(h) for h in settings.WEBHOOK_ALLOWED_HOSTS if h.strip()}
    return _normalised(host) in allowed


def address_refusal(address):
    """Why ``address`` may not receive a webhook (a reason code), or ``None`` if it may."""
    ip = ipaddress.ip_address(address)
    embedded = []
    if ip.version == 6:
        embedded = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    for candidate in (*embedded, ip):
        if candidate.is_unspecified:
            return "unspecified"
        if candidate.is_loopback:
            return "loopback"
        if candidate.is_link_local:
            return "link_local"
        if candidate.is_multicast:
            return "multicast"
        if candidate.version == 6 and candidate in UNIQUE_LOCAL:
            return "unique_local"
        if candidate.version == 4 and candidate in SHARED_ADDRESS_SPACE:
            return "shared"
        if candidate.is_private:
            return "private"
        if candidate.is_reserved:
            return "reserved"
        if not candidate.is_global:
            return "not_global"
    return None


def literal_address(host):
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def resolve(host, port):
    """Every address ``host`` has now (an IP literal is itself: no lookup), in the order
    the resolver gave, each once. ``DestinationRefused("unresolvable")`` when none."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:  # no such name, a NUL, a bad label
        raise DestinationRefused("unresolvable") from exc
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(ipaddress.ip_address(sockaddr[0].split("%")[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DestinationRefused("unresolvable")
    return addresses


def checked_addresses(target):
    """Resolve ``target.host`` once and check every address; the addresses to connect to,
    or ``DestinationRefused`` naming the first refused one."""
    addresses = resolve(target.host, target.port)
    if host_allowed(target.host):
        return addresses
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise DestinationRefused(reason, address)
    return addresses


def destination_refusal(url):
    """The save-time check: ``DestinationRefused`` for a URL that can never be delivered to
    (bad URL, a refused IP literal, a name that resolves to a refused address), else
    ``None``. A name that does not resolve now is accepted — each delivery resolves and
    checks again, so it can only ever reach an address the rule allows."""
    try:
        checked_addresses(parse(url))
    except DestinationRefused as refused:
        if refused.reason != "unresolvable":
            return refused
    return None


@functools.lru_cache(maxsize=4)
def _tls_context(cafile):
    # One context per trust store; SSLContext.wrap_socket is safe to share across threads.
    return ssl.create_default_context(cafile=cafile or None)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to one of ``addresses`` (already checked), never looking ``host`` up again;
    ``host`` still fills the ``Host`` header."""

    def __init__(self, target, addresses, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self.addresses = addresses
        self.connected_to = ""

    def _connect_socket(self):
        error = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
            except OSError as exc:
                error = exc
                continue
            self.connected_to = address
            return sock
        raise error or OSError("no address to connect to")

    def connect(self):
        self.sock = self._connect_socket()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS: the certificate is checked against ``host`` (and SNI names it),
    whatever address the socket went to."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, target, addresses, timeout, context):
        super().__init__(target, addresses, timeout)
        self.context = context

    def connect(self):
        sock = self._connect_socket()
        self.sock = self.context.wrap_socket(sock, server_hostname=self.host)


def post(url, *, body, headers, timeout):
    """POST ``body`` to ``url`` under the rule above; the ``Answer`` (any status, 3xx
    included: redirects are not followed). Raises ``DestinationRefused`` when the rule
    refuses, ``OSError`` (``ssl.SSLError``, timeouts, refused connections included) and
    ``http.client.HTTPException`` when the exchange fails."""
    target = parse(url)
    addresses = checked_addresses(target)
    if target.scheme == "https":
        context = _tls_context(settings.WEBHOOK_CA_BUNDLE)
        connection = _PinnedHTTPSConnection(target, addresses, timeout, context)
    else:
        connection = _PinnedHTTPConnection(target, addresses, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # the answer's body is not used; read a little, politely
        return Answer(response.status, connection.connected_to)
    finally:
        connection.close()
