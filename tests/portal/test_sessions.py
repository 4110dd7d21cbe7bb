"""Revoke any access (issue 19, item 3): a person sees every session they are signed in with and their API key,
and ends any of them; an organisation's owners do the same for each member; every ending is in the audit log."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from organizations.models import Membership, Organization
from portal import sessions
from portal.models import AuditEntry, SignedInSession, TokenUse, User
from tests.conftest import PASSWORD, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

CACHED_SESSIONS = "django.contrib.sessions.backends.cached_db"

FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)


def browser(user: User, user_agent: str, address: str = "203.0.113.45") -> Client:
    """A browser that signed in as `user` through the login form (which lists its session)."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def signed_in(client: Client) -> bool:
    return client.get("/en/accounts/preferences/").status_code == 200


@pytest.fixture
def person(db: None) -> User:
    return UserFactory(email="rania@example.org")


def test_your_sessions_lists_each_browser_its_network_and_when_it_was_used(person: User) -> None:
    phone = browser(person, FIREFOX_ANDROID, "203.0.113.45")
    browser(person, CHROME_WINDOWS, "2001:db8:1234:5678::1")

    page = phone.get("/en/accounts/sessions/").content.decode()

    assert "Firefox on Android" in page and "Chrome on Windows" in page
    assert "203.0.113.0/24" in page and "2001:db8:1234::/48" in page
    assert "203.0.113.45" not in page  # the network, never the address
    assert page.count("(this session)") == 1


def test_a_person_signs_one_session_out(person: User) -> None:
    phone, laptop = browser(person, FIREFOX_ANDROID), browser(person, CHROME_WINDOWS)
    laptop_record = SignedInSession.objects.get(user_agent=CHROME_WINDOWS)

    response = phone.post(f"/en/accounts/sessions/{laptop_record.pk}/end/")

    assert response.status_code == 302
    assert not signed_in(laptop) and signed_in(phone)
    assert not SignedInSession.objects.filter(pk=laptop_record.pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SESSION_ENDED)
    assert entry.actor == person and entry.extra["sessions"] == 1


def test_a_person_cannot_sign_out_someone_elses_session(person: User) -> None:
    other = browser(UserFactory(), CHROME_WINDOWS)
    theirs = SignedInSession.objects.get(user_agent=CHROME_WINDOWS)

    response = browser(person, FIREFOX_ANDROID).post(f"/en/accounts/sessions/{theirs.pk}/end/")

    assert response.status_code == 404
    assert signed_in(other)


def test_a_person_signs_out_every_other_session(person: User) -> None:
    here, elsewhere, third = (browser(person, agent) for agent in (FIREFOX_ANDROID, CHROME_WINDOWS, CHROME_WINDOWS))
    someone_else = browser(UserFactory(), CHROME_WINDOWS)

    here.post("/en/accounts/sessions/end-others/")

    assert signed_in(here) and signed_in(someone_else)
    assert not signed_in(elsewhere) and not signed_in(third)
    assert AuditEntry.objects.get(action=AuditEntry.Action.SESSION_ENDED).extra["sessions"] == 2


def test_logging_out_takes_the_session_off_the_list(person: User) -> None:
    client = browser(person, FIREFOX_ANDROID)

    client.post("/en/accounts/logout/")

    assert not SignedInSession.objects.filter(user=person).exists()


def test_the_api_key_is_listed_with_its_last_use_and_revoked(person: User) -> None:
    token = Token.objects.create(user=person)
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/me/").status_code == 200
    client = browser(person, FIREFOX_ANDROID)

    page = client.get("/en/accounts/sessions/").content.decode()
    assert "Your API key was created on" in page and "It was last used on" in page
    assert TokenUse.objects.filter(user=person).exists()

    client.post("/en/accounts/api-key/revoke/")

    assert not Token.objects.filter(user=person).exists()
    assert Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/me/").status_code in (401, 403)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TOKEN_REVOKED, actor=person).exists()


def test_the_personal_data_download_holds_the_sessions_and_the_api_key(person: User) -> None:
    Token.objects.create(user=person)
    client = browser(person, FIREFOX_ANDROID)

    data = client.get("/en/accounts/data/").json()

    assert [(row["user_agent"], row["network"]) for row in data["signed_in_sessions"]] == [
        (FIREFOX_ANDROID, "203.0.113.0/24")
    ]
    assert data["api_key"]["created"] and data["api_key"]["last_used"] is None


# For owners, per member -----------------------------------------------------------------------------------------


@pytest.fixture
def families(db: None) -> Organization:
    return OrganizationFactory(name_en="Families for Truth and Justice")


def test_an_owner_signs_a_member_out_everywhere(families: Organization) -> None:
    owner = MembershipFactory(organization=families, role=Membership.Role.OWNER).user
    member = MembershipFactory(organization=families, role=Membership.Role.MEMBER)
    phone, laptop = browser(member.user, FIREFOX_ANDROID), browser(member.user, CHROME_WINDOWS)
    owners_browser = browser(owner, CHROME_WINDOWS)
    page = owners_browser.get(f"/en/organizations/{families.slug}/members/").content.decode()
    assert "2 signed-in sessions" in page

    response = owners_browser.post(
        f"/en/organizations/{families.slug}/members/{member.pk}/access/", {"revoke": "sessions"}
    )

    assert response.status_code == 302
    assert not signed_in(phone) and not signed_in(laptop) and signed_in(owners_browser)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SESSION_ENDED)
    assert (entry.actor, entry.target_id, entry.extra) == (
        owner,
        str(member.user.pk),
        {"sessions": 2, "organization": families.pk},
    )


def test_an_owner_revokes_a_members_api_key(families: Organization) -> None:
    owner = MembershipFactory(organization=families, role=Membership.Role.OWNER).user
    member = MembershipFactory(organization=families, role=Membership.Role.MEMBER)
    Token.objects.create(user=member.user)

    browser(owner, CHROME_WINDOWS).post(
        f"/en/organizations/{families.slug}/members/{member.pk}/access/", {"revoke": "api_key"}
    )

    assert not Token.objects.filter(user=member.user).exists()
    assert AuditEntry.objects.get(action=AuditEntry.Action.TOKEN_REVOKED).extra == {"organization": families.pk}


@pytest.mark.parametrize("role", [Membership.Role.EDITOR, Membership.Role.MEMBER])
def test_editors_and_members_may_not_end_a_colleagues_access(families: Organization, role: str) -> None:
    colleague = MembershipFactory(organization=families, role=Membership.Role.MEMBER)
    theirs = browser(colleague.user, FIREFOX_ANDROID)
    Token.objects.create(user=colleague.user)
    client = browser(MembershipFactory(organization=families, role=role).user, CHROME_WINDOWS)

    for what in ("sessions", "api_key"):
        response = client.post(f"/en/organizations/{families.slug}/members/{colleague.pk}/access/", {"revoke": what})
        assert response.status_code == 403
    assert signed_in(theirs) and Token.objects.filter(user=colleague.user).exists()


def test_an_owner_of_another_organisation_may_not_end_a_members_access(families: Organization) -> None:
    member = MembershipFactory(organization=families)
    theirs = browser(member.user, FIREFOX_ANDROID)
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Membership.Role.OWNER).user

    response = browser(stranger, CHROME_WINDOWS).post(
        f"/en/organizations/{families.slug}/members/{member.pk}/access/", {"revoke": "sessions"}
    )

    assert response.status_code == 403
    assert signed_in(theirs)


def test_a_session_opened_before_the_list_existed_is_found_by_the_migration(person: User) -> None:
    """Migration 0005 lists every open session once; here the same decoding, through its function."""
    client = sign_in(Client(), person)
    SignedInSession.objects.all().delete()  # as a session opened before the list existed

    migration = importlib.import_module("portal.migrations.0005_signed_in_sessions")
    migration.record_open_sessions(apps, None)

    assert SignedInSession.objects.filter(user=person).count() == 1
    sessions.end_sessions_of_users([person.pk])
    assert not Session.objects.exists() and not signed_in(client)


def test_browser_names() -> None:
    assert sessions.browser_of(FIREFOX_ANDROID) == "Firefox on Android"
    assert sessions.browser_of(CHROME_WINDOWS) == "Chrome on Windows"
    assert sessions.browser_of("curl/8.5.0") == "Unknown browser"


@pytest.mark.skipif(settings.SESSION_ENGINE != CACHED_SESSIONS, reason="sessions are cached only with Redis")
def test_a_session_read_back_into_the_cache_while_it_is_ended_is_still_ended(
    person: User, django_capture_on_commit_callbacks: Any
) -> None:
    phone = browser(person, FIREFOX_ANDROID)
    session_key = phone.session.session_key
    copy = SessionStore(session_key)
    data = copy.load()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        sessions.end_sessions_of_users([person.pk])
        # A request of the phone, read before the ending commits, puts its session back into the cache.
        cache.set(copy.cache_key, data)

    assert cache.get(copy.cache_key) is None
    assert not signed_in(phone)


def test_a_process_asks_the_shared_cache_about_a_session_once_per_touch(
    person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = browser(person, FIREFOX_ANDROID)
    asked: list[str] = []
    add = cache.add
    monkeypatch.setattr(cache, "add", lambda key, *args, **kwargs: asked.append(key) or add(key, *args, **kwargs))
    for _request in range(3):
        assert signed_in(phone)
    clock = sessions.time.monotonic() + sessions.TOUCH_EVERY.total_seconds() + 1
    monkeypatch.setattr(sessions.time, "monotonic", lambda: clock)
    assert signed_in(phone)

    assert [key for key in asked if key.startswith("session-seen:")] == [
        f"session-seen:{SignedInSession.objects.get(user=person).key_hash}"
    ]
