"""Who is asking: every limit and the audit log key on the client's address as portal.proxies.client_ip reads
it, trusting X-Forwarded-For only as far as settings.TRUSTED_PROXIES proxies in front of the portal wrote it.

Behind the documented proxy (one, TRUSTED_PROXIES=1) every request comes from the proxy's address: limits keyed
on it would put every visitor in one bucket, and anyone could lock everybody out. Without a proxy
(TRUSTED_PROXIES=0, the default) the header is the client's own words: trusting it would give a fresh bucket
with every request.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle

from newsletters.mailing_views import SUBSCRIBE_LIMIT
from portal import audit
from portal.models import AuditEntry, User
from portal.proxies import client_ip
from tests.conftest import PASSWORD
from tests.factories import MailingListFactory

PROXY = "10.0.0.2"
VISITOR = "198.51.100.1"
ANOTHER_VISITOR = "203.0.113.9"
WRONG_PASSWORD = "not-the-passphrase-00"


def request_from(remote: str, forwarded: str | None = None) -> Any:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, VISITOR, None, VISITOR),
        (0, VISITOR, "192.0.2.1", VISITOR),  # no proxy: the header is the client's own words
        (1, PROXY, VISITOR, VISITOR),
        (1, PROXY, f"192.0.2.1, {VISITOR}", VISITOR),  # what the client wrote, then what the proxy saw
        (2, PROXY, f"192.0.2.1, {VISITOR}, 10.0.0.1", VISITOR),  # a load balancer, then the proxy
        (2, PROXY, VISITOR, VISITOR),  # came in past the outer proxy: the inner one saw this
        (1, VISITOR, None, VISITOR),  # straight to the portal (the health check)
        (1, PROXY, "  2001:db8::1 ", "2001:db8::1"),
        (1, PROXY, "not an address", None),
        (0, "", None, None),
    ],
)
def test_client_ip_trusts_as_many_forwarded_hops_as_there_are_proxies(
    settings: Any, proxies: int, remote: str, forwarded: str | None, expected: str | None
) -> None:
    settings.TRUSTED_PROXIES = proxies

    assert client_ip(request_from(remote, forwarded)) == expected


@pytest.mark.django_db
def test_behind_the_proxy_one_visitor_failing_logins_does_not_lock_out_another(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    User.objects.create_user(email="rania@example.org", password=PASSWORD)
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VISITOR)
    for n in range(12):  # past the "10 failed logins a minute per address" limit
        attacker.post("/en/accounts/login/", {"login": f"guess{n}@example.org", "password": WRONG_PASSWORD})

    response = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ANOTHER_VISITOR).post(
        "/en/accounts/login/", {"login": "rania@example.org", "password": PASSWORD}
    )

    assert response.status_code == 302


@pytest.mark.django_db
def test_behind_the_proxy_the_visitor_who_fails_logins_is_still_limited(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    User.objects.create_user(email="rania@example.org", password=PASSWORD)
    attacker = Client(REMOTE_ADDR=PROXY)
    for n in range(12):
        # Writing another address in front of what the proxy appends changes nothing.
        attacker.post(
            "/en/accounts/login/",
            {"login": f"guess{n}@example.org", "password": WRONG_PASSWORD},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {VISITOR}",
        )

    response = attacker.post(
        "/en/accounts/login/", {"login": "rania@example.org", "password": PASSWORD}, HTTP_X_FORWARDED_FOR=VISITOR
    )

    assert response.status_code != 302


@pytest.mark.django_db
def test_without_a_proxy_a_forwarded_for_header_does_not_escape_the_api_throttle(
    monkeypatch: pytest.MonkeyPatch, no_public_cache: None
) -> None:
    # The throttle counts the requests that reach the API; the public cache answers repeated ones before it.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "5/minute", "user": None})
    client = Client(REMOTE_ADDR=VISITOR)
    answers = [client.get("/api/v1/organizations/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(6)]

    assert answers == [200] * 5 + [429]


@pytest.mark.django_db
def test_behind_the_proxy_the_api_throttle_counts_each_visitor(
    settings: Any, monkeypatch: pytest.MonkeyPatch, no_public_cache: None
) -> None:
    settings.TRUSTED_PROXIES = 1
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "5/minute", "user": None})
    client = Client(REMOTE_ADDR=PROXY)
    for _ in range(5):
        client.get("/api/v1/organizations/", HTTP_X_FORWARDED_FOR=VISITOR)

    assert client.get("/api/v1/organizations/", HTTP_X_FORWARDED_FOR=VISITOR).status_code == 429
    assert client.get("/api/v1/organizations/", HTTP_X_FORWARDED_FOR=ANOTHER_VISITOR).status_code == 200


@pytest.mark.django_db
def test_behind_the_proxy_the_subscription_limit_counts_each_visitor(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    mailing_list = MailingListFactory(is_public=True)
    path = f"/en/bulletins/lists/{mailing_list.slug}/subscribe/"
    client = Client(REMOTE_ADDR=PROXY)
    for n in range(SUBSCRIBE_LIMIT):
        client.post(path, {"email": f"reader{n}@example.org", "language": "en"}, HTTP_X_FORWARDED_FOR=VISITOR)

    refused = client.post(path, {"email": "one-more@example.org", "language": "en"}, HTTP_X_FORWARDED_FOR=VISITOR)
    other = client.post(path, {"email": "one-more@example.org", "language": "en"}, HTTP_X_FORWARDED_FOR=ANOTHER_VISITOR)

    assert (refused.status_code, other.status_code) == (429, 200)


# The class of defect: one reading of the address, used by everything that keys on it ------------------------

ADDRESSES = st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str)
HEADERS = st.one_of(
    st.none(),
    st.lists(st.one_of(ADDRESSES, st.sampled_from(["", "unknown", "1.2.3", "::g"])), max_size=4).map(", ".join),
)


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, database=None)
@given(proxies=st.integers(min_value=0, max_value=3), remote=ADDRESSES, forwarded=HEADERS)
def test_allauth_drf_and_the_audit_log_read_the_same_address(proxies: int, remote: str, forwarded: str | None) -> None:
    from rest_framework.settings import api_settings

    request = request_from(remote, forwarded)
    with override_settings(TRUSTED_PROXIES=proxies):
        expected = client_ip(request)
        throttles = [throttle() for throttle in api_settings.DEFAULT_THROTTLE_CLASSES]
        assert {throttle.get_ident(request) for throttle in throttles} == {expected or ""}
        if expected is None:
            with pytest.raises(PermissionDenied):  # allauth refuses a request it cannot place
                get_adapter().get_client_ip(request)
        else:
            assert get_adapter().get_client_ip(request) == expected
        assert audit.record(request, AuditEntry.Action.LOGIN).ip_address == expected


ONE_READER = {"portal/proxies.py"}
READS_THE_ADDRESS = re.compile(r"REMOTE_ADDR|HTTP_X_FORWARDED_FOR|headers\W+x-forwarded-for", re.IGNORECASE)


def test_nothing_but_portal_proxies_reads_the_connecting_address() -> None:
    root = Path(django_settings.BASE_DIR)
    apps = ["portal", "organizations", "agreements", "events", "newsletters", "statements", "home"]
    readers = {
        str(path.relative_to(root))
        for app in apps
        for path in (root / app).rglob("*.py")
        if READS_THE_ADDRESS.search(path.read_text())
    }

    assert readers == ONE_READER
