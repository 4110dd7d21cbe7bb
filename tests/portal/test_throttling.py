"""The API's throttles count each caller's requests in a window opened by their first (portal.throttling): the
rate's number pass, the next is refused with how long to wait, and the window's end lets them in again."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from portal import throttling
from tests.conftest import sign_in
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "3/minute"})


def test_a_signed_in_caller_gets_the_rate_then_is_told_how_long_to_wait(three_a_minute: None) -> None:
    client = sign_in(Client(), MembershipFactory().user)
    answers = [client.get("/api/v1/statements/") for _request in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60


def test_when_the_window_ends_the_caller_is_let_in_again(three_a_minute: None, no_public_cache: None) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _request in range(3):
        client.get("/api/v1/statements/")
    assert client.get("/api/v1/statements/").status_code == 429

    cache.delete_many(["throttle_anon_198.51.100.7", "throttle_user_198.51.100.7"])  # what the minute's end does

    assert client.get("/api/v1/statements/").status_code == 200


def test_concurrent_requests_are_each_counted() -> None:
    def hit() -> None:
        for _request in range(50):
            throttling.count_hit("throttle_test", 60)

    callers = [threading.Thread(target=hit) for _caller in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()

    assert throttling.count_hit("throttle_test", 60)[0] == 201


def test_on_local_memory_the_count_is_kept_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttling, "cache", LocMemCache("throttle-test", {}))

    assert [throttling.count_hit("caller", 60) for _request in range(3)] == [(1, 60), (2, 60), (3, 60)]
