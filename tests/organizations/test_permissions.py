"""The one permission rule, seen from the pages: who gets what on an organisation's profile, edit, members and
history pages, who sees which contact details, and who reviews registrations.

Someone who may not see an organisation gets 404 (a 403 would confirm it exists); someone who may see it but
lacks the right gets 403; anonymous visitors are sent to log in from pages that need an account.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client, TestCase

from organizations.models import Membership, Organization
from portal.models import User
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, host_organization, make_coordinator

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the login page

ROLES = ["anonymous", "outsider", "member", "editor", "owner", "other_owner", "coordinator", "operator"]

# What each role gets, in the order of ROLES, for each page of organisation A in each state.
TABLE = {
    ("detail", "listed"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("detail", "draft"): (404, 404, 200, 200, 200, 404, 200, 200),
    ("detail", "unlisted"): (404, 404, 200, 200, 200, 404, 200, 200),
    ("detail", "suspended"): (404, 404, 200, 200, 200, 404, 200, 200),
    ("edit", "listed"): (LOGIN, 403, 403, 200, 200, 403, 403, 200),
    ("edit", "draft"): (LOGIN, 404, 403, 200, 200, 404, 403, 200),
    ("edit", "unlisted"): (LOGIN, 404, 403, 200, 200, 404, 403, 200),
    # A suspended profile is frozen for its own people; operators may still correct it.
    ("edit", "suspended"): (LOGIN, 404, 403, 403, 403, 404, 403, 200),
    # Who works where is sensitive: only the organisation's own people (and operators) see the list.
    ("members", "listed"): (LOGIN, 403, 200, 200, 200, 403, 403, 200),
    ("members", "draft"): (LOGIN, 404, 200, 200, 200, 404, 403, 200),
    ("members", "unlisted"): (LOGIN, 404, 200, 200, 200, 404, 403, 200),
    ("members", "suspended"): (LOGIN, 404, 200, 200, 200, 404, 403, 200),
    ("history", "listed"): (LOGIN, 403, 403, 403, 200, 403, 200, 200),
    ("history", "draft"): (LOGIN, 404, 403, 403, 200, 404, 200, 200),
    ("history", "unlisted"): (LOGIN, 404, 403, 403, 200, 404, 200, 200),
    ("history", "suspended"): (LOGIN, 404, 403, 403, 200, 404, 200, 200),
}

STATES = {
    "listed": {"status": Organization.Status.VERIFIED, "listed_publicly": True},
    "draft": {"status": Organization.Status.DRAFT, "listed_publicly": True, "verified_at": None},
    "unlisted": {"status": Organization.Status.VERIFIED, "listed_publicly": False},
    "suspended": {"status": Organization.Status.SUSPENDED, "listed_publicly": True},
}

PATHS = {
    "detail": "/en/organizations/{slug}/",
    "edit": "/en/organizations/{slug}/edit/",
    "members": "/en/organizations/{slug}/members/",
    "history": "/en/organizations/{slug}/history/",
}


@dataclass
class Cast:
    """Organisation A, another organisation B, the host H, and one person per role."""

    a: Organization
    b: Organization
    people: dict[str, User | None]


def make_cast(**a_fields: object) -> Cast:
    a = OrganizationFactory(name_en="Syrians for Truth and Justice", acronym="STJ", **a_fields)
    b = OrganizationFactory(name_en="Caesar Families Association", acronym="")
    people: dict[str, User | None] = {
        "anonymous": None,
        "outsider": UserFactory(email="outsider@example.org"),
        "coordinator": make_coordinator(email="coordinator@example.org"),
        "operator": UserFactory(email="operator@example.org", is_staff=True, is_superuser=True),
    }
    for role in Membership.Role:
        people[role.value] = MembershipFactory(user__email=f"{role}@stj.example.org", organization=a, role=role).user
    people["other_owner"] = MembershipFactory(
        user__email="owner@caesar.example.org", organization=b, role=Membership.Role.OWNER
    ).user
    return Cast(a=a, b=b, people=people)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def assert_outcome(response: object, expected: int | str, path: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/?next=")
    else:
        assert response.status_code == expected


CASES = [
    pytest.param(page, state, role, expected[index], id=f"{page}-{state}-{role}")
    for (page, state), expected in TABLE.items()
    for index, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("page", "state", "role", "expected"), CASES)
def test_permission_table(page: str, state: str, role: str, expected: int | str) -> None:
    cast = make_cast(**STATES[state])
    path = PATHS[page].format(slug=cast.a.slug)

    response = client_for(cast.people[role]).get(path)

    assert_outcome(response, expected, path)


def test_every_role_and_page_is_in_the_table() -> None:
    assert {page for page, _state in TABLE} == set(PATHS)
    assert {state for _page, state in TABLE} == set(STATES)
    assert all(len(row) == len(ROLES) for row in TABLE.values())


def test_unknown_organization_is_404_like_a_hidden_one() -> None:
    outsider = UserFactory()
    client = client_for(outsider)

    for page in PATHS.values():
        assert client.get(page.format(slug="no-such-organization")).status_code == 404


def test_hidden_organization_pages_do_not_name_it() -> None:
    cast = make_cast(**STATES["unlisted"])

    for role in ("anonymous", "outsider", "other_owner"):
        response = client_for(cast.people[role]).get(f"/en/organizations/{cast.a.slug}/")
        assert response.status_code == 404
        assert "Syrians for Truth" not in response.content.decode()


def test_profile_links_only_to_pages_the_person_may_open() -> None:
    cast = make_cast(**STATES["listed"])
    edit, members, history = (PATHS[page].format(slug=cast.a.slug) for page in ("edit", "members", "history"))

    def links(role: str) -> set[str]:
        html = client_for(cast.people[role]).get(PATHS["detail"].format(slug=cast.a.slug)).content.decode()
        return {path for path in (edit, members, history) if f'href="{path}"' in html}

    assert links("anonymous") == set()
    assert links("outsider") == set()
    assert links("member") == {members}
    assert links("editor") == {edit, members}
    assert links("owner") == {edit, members, history}
    assert links("coordinator") == {history}
    assert links("operator") == {edit, members, history}


# Contact details ---------------------------------------------------------------------------------------

CANARY = {
    "email": "canary-hidden@example.org",
    "phone": "+90 555 000 0000",
    "address": "Canary Street 7, Şehitkamil, Gaziantep",
    "contact_persons": "Canary Contactperson, field coordinator",
}

# Who may see a contact detail shown to each audience.
SEES = {
    "public": {"anonymous", "outsider", "draft_member", "other_owner", "member", "owner", "coordinator", "operator"},
    "members": {"other_owner", "member", "owner", "coordinator", "operator"},
    "coordinators": {"member", "owner", "coordinator", "operator"},
    "private": {"member", "owner", "operator"},
}
CONTACT_ROLES = ["anonymous", "outsider", "draft_member", "other_owner", "member", "owner", "coordinator", "operator"]


def canary_cast(audience: str) -> Cast:
    visibility = {field: audience for field in Organization.CONTACT_FIELDS.values()}
    cast = make_cast(**STATES["listed"], **CANARY, **visibility)
    # Belonging to an organisation that is not verified yet does not make someone a "member" reader.
    draft = OrganizationFactory(name_en="Hope for Detainees' Families", status=Organization.Status.DRAFT)
    cast.people["draft_member"] = MembershipFactory(organization=draft, role=Membership.Role.OWNER).user
    return cast


def canaries_in(html: str) -> set[str]:
    found = {field for field, value in CANARY.items() if value in html}
    if "canary" in html.lower() or "555 000 0000" in html:
        found.add("trace")
    return found


@pytest.mark.parametrize("role", CONTACT_ROLES)
@pytest.mark.parametrize("audience", list(SEES))
def test_contact_details_shown_only_to_their_audience(audience: str, role: str) -> None:
    cast = canary_cast(audience)

    response = client_for(cast.people[role]).get(f"/en/organizations/{cast.a.slug}/")

    assert response.status_code == 200
    html = response.content.decode()
    if role in SEES[audience]:
        assert canaries_in(html) >= set(CANARY), f"{role} should see the {audience} contact details"
    else:
        assert canaries_in(html) == set(), f"{role} must not see the {audience} contact details"


@pytest.mark.parametrize("role", CONTACT_ROLES)
def test_directory_never_shows_contact_details(role: str) -> None:
    cast = canary_cast("members")

    response = client_for(cast.people[role]).get("/en/organizations/")

    assert response.status_code == 200
    assert "Syrians for Truth and Justice" in response.content.decode()
    assert canaries_in(response.content.decode()) == set()


def test_each_contact_field_follows_its_own_visibility() -> None:
    cast = make_cast(
        **STATES["listed"],
        **CANARY,
        email_visibility="public",
        phone_visibility="members",
        address_visibility="coordinators",
        contact_persons_visibility="private",
    )

    def shown(role: str) -> set[str]:
        html = client_for(cast.people[role]).get(f"/en/organizations/{cast.a.slug}/").content.decode()
        return {field for field, value in CANARY.items() if value in html}

    assert shown("anonymous") == {"email"}
    assert shown("other_owner") == {"email", "phone"}
    assert shown("coordinator") == {"email", "phone", "address"}
    assert shown("member") == set(CANARY)


# The review queue --------------------------------------------------------------------------------------

REVIEW_QUEUE = "/en/organizations/review/"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", LOGIN),
        ("outsider", 403),
        ("member", 403),
        ("editor", 403),
        ("owner", 403),
        ("other_owner", 403),
        ("coordinator", 200),
        ("operator", 200),
    ],
)
def test_review_queue_is_for_coordinators_and_operators(role: str, expected: int | str) -> None:
    cast = make_cast(**STATES["listed"])

    response = client_for(cast.people[role]).get(REVIEW_QUEUE)

    assert_outcome(response, expected, REVIEW_QUEUE)


def test_editor_of_host_is_a_coordinator() -> None:
    editor = make_coordinator(role=Membership.Role.EDITOR)

    assert client_for(editor).get(REVIEW_QUEUE).status_code == 200


def test_plain_member_of_host_is_not_a_coordinator() -> None:
    member = MembershipFactory(organization=host_organization(), role=Membership.Role.MEMBER).user

    assert client_for(member).get(REVIEW_QUEUE).status_code == 403


def test_owner_of_unverified_host_is_not_a_coordinator() -> None:
    host = OrganizationFactory(is_host=True, status=Organization.Status.PENDING)
    owner = MembershipFactory(organization=host, role=Membership.Role.OWNER).user

    assert client_for(owner).get(REVIEW_QUEUE).status_code == 403


def test_review_queue_lists_pending_registrations_only() -> None:
    coordinator = make_coordinator()
    OrganizationFactory(name_en="Massar Families Association", status=Organization.Status.PENDING)
    OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT)

    html = client_for(coordinator).get(REVIEW_QUEUE).content.decode()

    assert "Massar Families Association" in html
    assert "Taafi Initiative" not in html


def test_coordinator_cannot_review_own_organization() -> None:
    coordinator = make_coordinator()
    own = OrganizationFactory(name_en="Families for Freedom", status=Organization.Status.PENDING)
    MembershipFactory(user=coordinator, organization=own, role=Membership.Role.OWNER)
    client = client_for(coordinator)

    page = client.get(f"/en/organizations/{own.slug}/")
    response = client.post(f"/en/organizations/{own.slug}/review/", {"decision": "verify"})

    assert "Record the decision" not in page.content.decode()
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == Organization.Status.PENDING


def test_coordinator_cannot_review_own_host() -> None:
    coordinator = make_coordinator()
    host = host_organization()

    response = client_for(coordinator).post(
        f"/en/organizations/{host.slug}/review/", {"decision": "suspend", "message": "Testing."}
    )

    assert response.status_code == 403
    host.refresh_from_db()
    assert host.status == Organization.Status.VERIFIED


def test_coordinator_reviews_another_organization() -> None:
    coordinator = make_coordinator()
    pending = OrganizationFactory(name_en="Families for Freedom", status=Organization.Status.PENDING)

    response = client_for(coordinator).post(f"/en/organizations/{pending.slug}/review/", {"decision": "verify"})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Organization.Status.VERIFIED


@pytest.mark.parametrize("role", ["outsider", "owner", "other_owner"])
def test_non_coordinator_cannot_review(role: str) -> None:
    cast = make_cast(status=Organization.Status.PENDING)
    # The owner of a pending organisation sees it, so is refused; the others do not, so get 404.
    expected = 403 if role == "owner" else 404

    response = client_for(cast.people[role]).post(f"/en/organizations/{cast.a.slug}/review/", {"decision": "verify"})

    assert response.status_code == expected
    cast.a.refresh_from_db()
    assert cast.a.status == Organization.Status.PENDING


# Decisions on host organisations, and over operators' decisions, are the operators' ---------------------------


def test_coordinator_cannot_suspend_another_host() -> None:
    envoy = OrganizationFactory(name_en="Office of the Special Envoy", is_host=True)
    client = client_for(make_coordinator())

    page = client.get(f"/en/organizations/{envoy.slug}/")
    response = client.post(f"/en/organizations/{envoy.slug}/review/", {"decision": "suspend", "message": "Rival."})

    assert "Record the decision" not in page.content.decode()
    assert response.status_code == 403
    envoy.refresh_from_db()
    assert envoy.status == Organization.Status.VERIFIED


def test_pending_host_is_not_in_the_coordinators_queue() -> None:
    OrganizationFactory(name_en="Office of the Special Envoy", is_host=True, status=Organization.Status.PENDING)
    operator = UserFactory(is_staff=True, is_superuser=True)

    assert "Office of the Special Envoy" not in client_for(make_coordinator()).get(REVIEW_QUEUE).content.decode()
    assert "Office of the Special Envoy" in client_for(operator).get(REVIEW_QUEUE).content.decode()


def test_coordinator_cannot_reverse_a_suspension_by_an_operator() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True)
    suspended = OrganizationFactory(name_en="Families for Freedom")
    client_for(operator).post(f"/en/organizations/{suspended.slug}/review/", {"decision": "suspend", "message": "No."})

    response = client_for(make_coordinator()).post(
        f"/en/organizations/{suspended.slug}/review/", {"decision": "verify"}
    )

    assert response.status_code == 403
    suspended.refresh_from_db()
    assert suspended.status == Organization.Status.SUSPENDED


def test_coordinator_cannot_review_a_resubmission_an_operator_sent_back() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True)
    applicant = OrganizationFactory(name_en="Families for Freedom", status=Organization.Status.PENDING)
    owner = MembershipFactory(organization=applicant, role=Membership.Role.OWNER).user
    client_for(operator).post(
        f"/en/organizations/{applicant.slug}/review/", {"decision": "request_changes", "message": "Your website?"}
    )
    client_for(owner).post(f"/en/organizations/{applicant.slug}/submit/")
    applicant.refresh_from_db()
    assert applicant.status == Organization.Status.PENDING

    response = client_for(make_coordinator()).post(
        f"/en/organizations/{applicant.slug}/review/", {"decision": "verify"}
    )

    assert response.status_code == 403
    assert "Families for Freedom" in client_for(operator).get(REVIEW_QUEUE).content.decode()


def test_a_resubmission_an_operator_sent_back_is_announced_to_the_operators() -> None:
    operator = UserFactory(email="operator@example.org", is_staff=True, is_superuser=True)
    coordinator = make_coordinator(email="coordinator@iiim.example.org")
    applicant = OrganizationFactory(status=Organization.Status.PENDING)
    owner = MembershipFactory(organization=applicant, role=Membership.Role.OWNER).user
    client_for(operator).post(
        f"/en/organizations/{applicant.slug}/review/", {"decision": "request_changes", "message": "Your website?"}
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(owner).post(f"/en/organizations/{applicant.slug}/submit/")

    asked = {address for message in mail.outbox for address in message.to} - {owner.email}
    assert asked == {operator.email}
    assert coordinator.email not in asked


def test_coordinator_may_revisit_another_coordinators_decision() -> None:
    suspended = OrganizationFactory(name_en="Families for Freedom")
    client_for(make_coordinator(email="first@iiim.example.org")).post(
        f"/en/organizations/{suspended.slug}/review/", {"decision": "suspend", "message": "Checking."}
    )

    response = client_for(make_coordinator(email="second@iiim.example.org")).post(
        f"/en/organizations/{suspended.slug}/review/", {"decision": "verify"}
    )

    assert response.status_code == 302
    suspended.refresh_from_db()
    assert suspended.status == Organization.Status.VERIFIED


def test_operator_reviews_hosts_and_reverses_any_decision() -> None:
    operator = UserFactory(is_staff=True, is_superuser=True)
    envoy = OrganizationFactory(name_en="Office of the Special Envoy", is_host=True)
    client_for(operator).post(f"/en/organizations/{envoy.slug}/review/", {"decision": "suspend", "message": "Audit."})

    response = client_for(operator).post(f"/en/organizations/{envoy.slug}/review/", {"decision": "verify"})

    assert response.status_code == 302
    envoy.refresh_from_db()
    assert envoy.status == Organization.Status.VERIFIED
