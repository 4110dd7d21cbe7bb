"""Shared fixtures. Tests run against PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set (CI sets
them), otherwise against the embedded default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory

from portal import publiccache
from portal.celery import app as celery_app
from portal.models import User
from tests.workers import workers  # noqa: F401 - the fixture, for every test (tests/workers.py)

PASSWORD = "a-long-test-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Rate limits and throttles count in the cache; a test must not inherit another test's counts, nor the shared
    # entries of a stamp its rolled-back writes bring back.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _one_minute_per_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared entry is recomputed when the clock's minute turns (portal.publiccache): a test that counts a
    page's queries would count one more whenever the minute turned between its requests. A test keeps the minute
    it started in; the tests of what the turn of a minute does move it themselves."""
    minute = publiccache._minute()
    monkeypatch.setattr(publiccache, "_minute", lambda: minute)


@pytest.fixture(autouse=True)
def _public_stamp_at_once(request: pytest.FixtureRequest) -> None:
    """A test that runs inside a transaction never commits, so the public stamp's trigger (deferred to the commit,
    portal.publiccache) would never fire: make it fire at each statement, as a commit would after it."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        return
    if "db" not in names and marker is None:
        return
    request.getfixturevalue("db")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS public_stamp IMMEDIATE")


@pytest.fixture
def no_public_cache(settings: Any) -> None:
    """For tests that count the queries of rendering a page: an anonymous visitor's second request would
    otherwise come from the public cache (portal/publiccache.py) and count one."""
    settings.PUBLIC_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _eager_celery() -> Iterator[None]:
    # Tasks run in-process unless a test starts a real worker (tests/workers.py starts real ones).
    celery_app.conf.task_always_eager = True
    yield


def make_user(email: str, *, verified: bool = True, **extra: object) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def sign_in(client: Client, user: User, *, second_factor: bool = True) -> Client:
    """Sign `user` in on `client` as allauth's login form leaves the session: when they have an authenticator
    app, with the record allauth writes once its code is entered (the "mfa" authentication method), which
    coordinators' and operators' powers require (portal.two_factor). `second_factor=False`: a session signed in
    with the password only, as one opened before the app was turned on elsewhere. A bare `client.force_login`
    is such a session too."""
    client.force_login(user)
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if second_factor and authenticator is not None:
        request = RequestFactory().get("/")
        request.session = client.session
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
        assert get_authentication_records(request, user)
        request.session.save()
    return client


@pytest.fixture
def user(db: None) -> User:
    return make_user("rania@example.org", full_name="Rania Haddad")


@pytest.fixture
def operator(db: None) -> User:
    """A platform operator with two-factor authentication on, as the admin and every operator power require."""
    from tests.factories import with_totp  # the factories import this module

    return with_totp(make_user("operator@example.org", full_name="Portal Operator", is_staff=True, is_superuser=True))
