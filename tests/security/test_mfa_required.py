"""Two-factor authentication is required to coordinate and to operate, and it is a property of the session: a
coordinator of a host organisation or a platform operator is treated as a plain member (portal.access.viewer_of)
until they turn an authenticator app on through allauth's pages, and then in every session that did not enter one
of its codes (a password-only session, an API token, code outside a request). Staff of ordinary organisations need
none."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client, TestCase
from pytest_django import DjangoAssertNumQueries
from rest_framework.authtoken.models import Token

from organizations.models import Membership, Organization
from portal.access import viewer_of
from portal.models import User
from tests.conftest import PASSWORD, sign_in
from tests.factories import (
    TOTP_SECRET,
    ConsultationFactory,
    EditionFactory,
    MailingListFactory,
    MembershipFactory,
    OrganizationFactory,
    PublicationFactory,
    StatementFactory,
    UserFactory,
    host_organization,
    make_coordinator,
)
from tests.portal.conftest import html_text, log_in, totp_code, totp_secret_from_page

pytestmark = pytest.mark.django_db

BANNER = "Turn on two-factor authentication to use your coordinator role."
BANNER_CONFIRM = "Confirm this session with your authenticator app to use your coordinator role."
ACTIVATE = "/en/accounts/2fa/totp/activate/"


def logged_in(user: User) -> Client:
    """A browser signed in through allauth's login form (no second factor asked: none is on yet)."""
    client = Client()
    assert log_in(client, user.email) == "/en/"
    return client


def turn_on_totp(client: Client) -> None:
    """Activate an authenticator app through allauth's real pages, as the signed-in person would."""
    reauthenticate = client.get(ACTIVATE)
    assert reauthenticate["Location"].startswith("/en/accounts/reauthenticate/")
    page = client.post(reauthenticate["Location"], {"password": PASSWORD}, follow=True)
    secret = totp_secret_from_page(page.content.decode())
    # allauth announces the new authenticator once the transaction commits: that makes this session one that
    # passed the second factor (portal.two_factor).
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()


def coordinator_pages() -> list[str]:
    """What the IIIM's coordinators do: each page refuses anyone else with 403 or 404."""
    publication = PublicationFactory()
    draft = EditionFactory(publication=publication, status="draft")
    return [
        "/en/organizations/review/",
        "/en/agreements/new/",
        "/en/events/new/",
        f"/en/bulletins/{publication.slug}/{draft.number}/compose/",
        f"/en/bulletins/lists/{MailingListFactory().slug}/",
        f"/en/statements/{StatementFactory(owner=host_organization()).slug}/manage/",
        f"/en/consultations/{ConsultationFactory(status='draft').slug}/manage/",
        f"/en/organizations/{host_organization().slug}/members/invite/",
    ]


def status_of(client: Client, path: str) -> int:
    # The invitation form takes POST only; everything else is a page.
    return client.post(path).status_code if path.endswith("/invite/") else client.get(path).status_code


# What viewer_of makes of a person ----------------------------------------------------------------------


def test_coordinator_without_totp_is_a_plain_member_of_the_host() -> None:
    coordinator = make_coordinator(totp=False)
    host = host_organization()

    viewer = viewer_of(coordinator)

    assert not viewer.is_coordinator
    assert viewer.host_ids == frozenset()
    assert viewer.role_in(host.pk) == Membership.Role.MEMBER
    assert host.pk in viewer.verified
    assert viewer.needs_mfa


def test_coordinator_without_totp_keeps_their_role_in_an_ordinary_organization() -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR, totp=False)
    families = OrganizationFactory()
    MembershipFactory(user=coordinator, organization=families, role=Membership.Role.OWNER)

    viewer = viewer_of(coordinator)

    assert viewer.role_in(families.pk) == Membership.Role.OWNER
    assert families.allows(coordinator, Organization.MANAGE_MEMBERS)
    assert not host_organization().allows(coordinator, Organization.MANAGE_MEMBERS)


def test_coordinator_with_totp_coordinates() -> None:
    coordinator = make_coordinator()

    viewer = viewer_of(coordinator)

    assert viewer.is_coordinator
    assert viewer.host_ids == {host_organization().pk}
    assert viewer.role_in(host_organization().pk) == Membership.Role.OWNER
    assert not viewer.needs_mfa


def test_operator_without_totp_is_no_operator() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True, totp=False)

    viewer = viewer_of(operator)

    assert not viewer.is_operator
    assert viewer.needs_mfa


def test_member_of_a_host_or_of_an_unverified_host_needs_no_totp() -> None:
    member = MembershipFactory(organization=host_organization(), role=Membership.Role.MEMBER).user
    pending_host = OrganizationFactory(is_host=True, status=Organization.Status.PENDING)
    applicant = MembershipFactory(organization=pending_host, role=Membership.Role.OWNER, totp=False).user

    assert not viewer_of(member).needs_mfa
    assert not viewer_of(applicant).needs_mfa
    assert viewer_of(applicant).role_in(pending_host.pk) == Membership.Role.OWNER


def test_the_authenticator_costs_no_query_of_its_own(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    coordinator = make_coordinator(totp=False)
    operator = UserFactory(is_superuser=True)

    # Per person, the public stamp (the Viewer is kept under it), their memberships and their part in events;
    # nothing for what is asked afterwards.
    with django_assert_num_queries(6):
        answers = [viewer_of(person).may_coordinate for person in (coordinator, operator) for _ in range(3)]

    assert answers == [False] * 3 + [True] * 3

    assert viewer_of(coordinator).needs_mfa
    assert viewer_of(operator).is_operator


def test_the_requirement_can_be_switched_off(settings: Any) -> None:
    settings.PORTAL_REQUIRE_MFA_FOR_COORDINATORS = False
    coordinator = make_coordinator(totp=False)

    viewer = viewer_of(coordinator)

    assert viewer.is_coordinator
    assert not viewer.needs_mfa


# Through the pages ---------------------------------------------------------------------------------------


def test_coordinator_without_totp_is_refused_coordinator_pages() -> None:
    client = logged_in(make_coordinator(totp=False))

    refused = {path: status_of(client, path) for path in coordinator_pages()}

    assert set(refused.values()) <= {403, 404}, refused


def test_coordinator_without_totp_sees_the_banner_on_every_page() -> None:
    client = logged_in(make_coordinator(totp=False))

    for path in ("/en/", "/en/organizations/", "/en/events/", "/ar/bulletins/"):
        language = path.split("/")[1]
        assert f'href="/{language}/accounts/2fa/totp/activate/"' in client.get(path).content.decode(), path
    assert html_text(BANNER) in client.get("/en/").content.decode()


def test_coordinator_works_after_activating_totp() -> None:
    coordinator = make_coordinator(totp=False)
    client = logged_in(coordinator)
    pages = coordinator_pages()

    turn_on_totp(client)

    with TestCase.captureOnCommitCallbacks(execute=True):
        allowed = {path: status_of(client, path) for path in pages}
    # The invitation form, posted empty, goes back to the members page with an error: the owner's answer.
    assert allowed == {path: 302 if path.endswith("/invite/") else 200 for path in pages}
    assert html_text(BANNER) not in client.get("/en/").content.decode()


def test_coordinator_with_totp_sees_no_banner() -> None:
    client = Client()
    client.force_login(make_coordinator())

    assert html_text(BANNER) not in client.get("/en/").content.decode()


def test_operator_without_totp_cannot_use_the_admin() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True, totp=False)
    client = logged_in(operator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/portal/user/").status_code == 302
    assert html_text(BANNER) in client.get("/en/").content.decode()


def test_operator_uses_the_admin_after_activating_totp() -> None:
    client = logged_in(UserFactory(is_staff=True, is_superuser=True, totp=False))

    turn_on_totp(client)

    assert client.get("/admin/").status_code == 200


def test_admin_login_sends_people_to_the_login_that_asks_for_the_second_factor() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()

    form = client.get("/admin/login/")
    client.post("/admin/login/", {"username": operator.email, "password": PASSWORD})

    assert form.status_code == 302
    assert form["Location"].startswith("/en/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_cso_owner_manages_their_organization_without_totp() -> None:
    owner = MembershipFactory(role=Membership.Role.OWNER).user
    organization = owner.memberships.get().organization
    client = logged_in(owner)

    assert client.get(f"/en/organizations/{organization.slug}/edit/").status_code == 200
    assert client.get(f"/en/organizations/{organization.slug}/members/").status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        invited = client.post(
            f"/en/organizations/{organization.slug}/members/invite/",
            {"email": "colleague@example.org", "role": "editor"},
        )
    assert invited.status_code == 302
    assert [message.to for message in mail.outbox] == [["colleague@example.org"]]
    assert html_text(BANNER) not in client.get("/en/").content.decode()


def test_coordinator_without_totp_cannot_edit_the_host_through_the_api() -> None:
    client = logged_in(make_coordinator(totp=False))

    response = client.patch(
        f"/api/v1/organizations/{host_organization().slug}/",
        {"acronym": "X"},
        content_type="application/json",
    )

    assert response.status_code == 403


# A property of the session, not of the account ---------------------------------------------------------


def test_a_password_only_session_gains_no_powers_when_totp_is_turned_on_elsewhere() -> None:
    coordinator = make_coordinator(totp=False)
    first = logged_in(coordinator)
    pages = coordinator_pages()

    turn_on_totp(logged_in(coordinator))

    refused = {path: status_of(first, path) for path in pages}
    assert set(refused.values()) <= {403, 404}, refused
    assert html_text(BANNER_CONFIRM) in first.get("/en/").content.decode()


def test_coordinator_who_logs_in_with_the_code_coordinates() -> None:
    coordinator = make_coordinator()
    client = Client()
    assert log_in(client, coordinator.email) == "/en/accounts/2fa/authenticate/"
    client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)})
    pages = coordinator_pages()

    with TestCase.captureOnCommitCallbacks(execute=True):
        allowed = {path: status_of(client, path) for path in pages}

    assert allowed == {path: 302 if path.endswith("/invite/") else 200 for path in pages}


def test_a_session_without_the_second_factor_gives_a_coordinator_no_powers() -> None:
    client = Client()
    client.force_login(make_coordinator())
    pages = coordinator_pages()

    refused = {path: status_of(client, path) for path in pages}

    assert set(refused.values()) <= {403, 404}, refused


def test_a_password_only_session_confirms_the_code_to_coordinate() -> None:
    client = sign_in(Client(), make_coordinator(), second_factor=False)
    page = client.get("/en/organizations/").content.decode()
    assert html_text(BANNER_CONFIRM) in page
    assert 'href="/en/accounts/2fa/reauthenticate/?next=/en/organizations/"' in page

    client.get("/en/accounts/2fa/reauthenticate/?next=/en/organizations/")
    answer = client.post("/en/accounts/2fa/reauthenticate/?next=/en/organizations/", {"code": totp_code(TOTP_SECRET)})

    assert answer.status_code == 302
    assert client.get("/en/organizations/review/").status_code == 200
    assert html_text(BANNER_CONFIRM) not in client.get("/en/").content.decode()


def test_the_helper_marks_the_session_as_allauth_does() -> None:
    client = sign_in(Client(), make_coordinator())

    assert client.get("/en/organizations/review/").status_code == 200
    assert [record["method"] for record in client.session["account_authentication_methods"]] == ["mfa"]


def test_a_person_loaded_outside_a_request_has_no_powers() -> None:
    coordinator = make_coordinator()
    operator = UserFactory(is_staff=True, is_superuser=True)

    for person in (coordinator, operator):
        fresh = User.objects.get(pk=person.pk)  # as a Celery task or an email loads them
        viewer = viewer_of(fresh)
        assert not viewer.may_coordinate
        assert viewer.host_ids == frozenset()
        assert not host_organization().allows(fresh, Organization.MANAGE_MEMBERS)


def test_an_api_token_gives_a_coordinator_no_powers() -> None:
    coordinator = make_coordinator()
    unlisted = OrganizationFactory(listed_publicly=False)
    token = Token.objects.create(user=coordinator)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    hidden = client.get(f"/api/v1/organizations/{unlisted.slug}/")
    edited = client.patch(
        f"/api/v1/organizations/{host_organization().slug}/", {"acronym": "X"}, content_type="application/json"
    )

    assert hidden.status_code == 404
    assert edited.status_code == 403
    assert client.get("/api/v1/organizations/").status_code == 200


def test_an_api_token_gives_an_operator_no_powers() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True)
    draft = OrganizationFactory(status=Organization.Status.DRAFT)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")

    assert client.get(f"/api/v1/organizations/{draft.slug}/").status_code == 404
    assert client.patch(
        f"/api/v1/organizations/{draft.slug}/", {"acronym": "X"}, content_type="application/json"
    ).status_code in (403, 404)


def test_turning_the_app_off_ends_every_sessions_powers() -> None:
    coordinator = make_coordinator()
    client = sign_in(Client(), coordinator)
    assert client.get("/en/organizations/review/").status_code == 200

    Authenticator.objects.filter(user=coordinator).delete()  # as turning it off in another session does

    assert client.get("/en/organizations/review/").status_code == 403
    assert html_text(BANNER) in client.get("/en/").content.decode()
