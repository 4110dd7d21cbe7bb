"""The API's throttles (settings.REST_FRAMEWORK): DRF's own, counting anonymous callers by the client's address
read through the trusted proxies (portal.proxies), as every other limit does. A module of its own: DRF imports
throttle classes while it loads its views, so this one must not import them."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.request import Request

from portal.proxies import client_ip


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""


class UserRateThrottle(throttling.UserRateThrottle):
    """Counts signed-in callers by their account, anonymous ones by their address."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""
