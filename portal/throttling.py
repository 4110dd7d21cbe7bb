"""The API's throttles (settings.REST_FRAMEWORK): DRF's rates, counting anonymous callers by the client's address
read through the trusted proxies (portal.proxies), as every other limit does. A module of its own: DRF imports
throttle classes while it loads its views, so this one must not import them.

DRF's own throttle keeps the time of each of a caller's requests in a list it reads and writes back on every
request (two round trips, a list as long as the rate, and two concurrent requests may each miss the other's).
These count instead: a caller's window opens with their first request and lasts the rate's period, and each
request adds one to its counter (`count_hit`: one round trip to Redis, atomic). Within a window a caller makes at
most the rate's number of requests; across the end of one and the start of the next, up to twice that.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework import throttling
from rest_framework.request import Request

from portal.proxies import client_ip


def count_hit(key: str, seconds: int) -> tuple[int, int]:
    """One more request on the counter `key`, opened for `seconds` by its first: the requests so far, and the
    seconds left. In one round trip on Redis (portal.rediscache); on local memory, the embedded default, in two,
    and the seconds left are told as the whole period (local memory does not say)."""
    counter = getattr(cache, "count_hit", None)
    if counter is not None:
        return counter(key, seconds)
    cache.add(key, 0, seconds)
    return cache.incr(key), seconds


class _CountedThrottle(throttling.SimpleRateThrottle):
    # Set by SimpleRateThrottle.__init__ from the rate (not in DRF's stubs).
    num_requests: int
    duration: int
    wait_seconds = 0

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        hits, self.wait_seconds = count_hit(key, self.duration)
        return hits <= self.num_requests

    def wait(self) -> float:
        return self.wait_seconds


class AnonRateThrottle(_CountedThrottle, throttling.AnonRateThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""


class UserRateThrottle(_CountedThrottle, throttling.UserRateThrottle):
    """Counts signed-in callers by their account, anonymous ones by their address."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""
