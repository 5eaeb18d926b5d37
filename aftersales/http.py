"""The client's address, the one rule for lockouts, throttles and the audit trail."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The address of the client that sent ``request``, as far as we can trust it.

    ``X-Forwarded-For`` is written by whoever sends the request, so only the entries our
    own proxies appended count: with ``TRUSTED_PROXY_COUNT`` = N (0 by default: no proxy,
    ``REMOTE_ADDR`` only) the Nth entry from the right is the address the outermost of
    our proxies saw. Entries left of it are the client's own claims and are ignored, so a
    forged header changes nothing. A header shorter than N (a proxy hop bypassed or not
    configured to append) gives its left-most entry, which one of our proxies still wrote;
    an unparsable entry gives ``REMOTE_ADDR``.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return remote
    candidate = hops[-min(count, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
