"""Who is asking: the client's address, read through the proxies the portal trusts (settings.TRUSTED_PROXIES).

Every limit (allauth's, the portal's own, the API's throttles) and the audit log key on this one reading.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, or None when it is not an IP address.

    With no proxy in front (TRUSTED_PROXIES=0) it is the connecting address, and X-Forwarded-For is the client's
    own words, ignored. Each of the N proxies in front appends the address it saw to X-Forwarded-For, so the
    N-th entry from the end is what the outermost one saw; entries before it the client may have written. A
    request with fewer entries came in past the outer proxies, and its first entry is what the first proxy
    it met saw.
    """
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies and forwarded:
        hops = forwarded.split(",")
        address = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None
