"""Journeys through the real pages: registering and verifying an organisation, joining it, inviting colleagues,
keeping an owner, networks, and the history of a profile. Email goes out as in production: queued after the
transaction commits, sent by Celery (eager in tests), read from Django's outbox."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import UploadedFile
from django.test import Client, TestCase

from organizations import exchange, services
from organizations.forms import OrganizationForm
from organizations.models import (
    HistoryEntry,
    JoinRequest,
    Membership,
    MembershipInvitation,
    NetworkMembership,
    Organization,
)
from portal.models import User
from tests.conftest import PASSWORD, sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, host_organization, make_coordinator

pytestmark = pytest.mark.django_db

_URL = re.compile(r"https?://\S+")


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def post(client: Client, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """POST like a browser; what the views queue for after the commit (email) runs, as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data or {}, **extra)


def profile_data(**overrides: Any) -> dict[str, Any]:
    """A registration form as someone would fill it in."""
    data = {
        "name_en": "Hope for Detainees' Families",
        "name_ar": "الأمل لعائلات المعتقلين",
        "acronym": "HDF",
        "description_en": "Families of people detained and disappeared in Syria, supporting each other.",
        "kind": Organization.Kind.VICTIMS_ASSOCIATION,
        "founded_year": "2019",
        "hq_country": "TR",
        "countries": ["TR", "SY"],
        "website": "",
        "social_links": "",
        "listed_publicly": "on",
        "email": "contact@hope-families.example.org",
        "email_visibility": "members",
        "phone": "",
        "phone_visibility": "coordinators",
        "address": "",
        "address_visibility": "private",
        "contact_persons": "",
        "contact_persons_visibility": "private",
    }
    return data | overrides


def current_profile_data(organization: Organization) -> dict[str, Any]:
    """The edit form as it comes to the browser, submitted unchanged unless overridden."""
    data: dict[str, Any] = {}
    for field in OrganizationForm(instance=organization):
        value = field.value()
        if value is None or isinstance(value, UploadedFile) or field.name == "logo":
            continue
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        elif isinstance(value, list | tuple):
            data[field.name] = [str(item) for item in value]
        else:
            data[field.name] = str(value)
    return data


def emails_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if address in message.to]


def link_in(message: mail.EmailMessage, fragment: str) -> str:
    for url in _URL.findall(message.body):
        if fragment in url:
            return urlsplit(url).path
    raise AssertionError(f"no link containing {fragment!r} in:\n{message.body}")


def page_text(response: Any) -> str:
    return response.content.decode()


# Registration and verification ------------------------------------------------------------------------


@pytest.fixture
def applicant() -> User:
    return UserFactory(email="huda@hope-families.example.org", full_name="Huda Applicant")


@pytest.fixture
def coordinator() -> User:
    return make_coordinator(email="lina@iiim.example.org", full_name="Lina Coordinator")


def register(client: Client, **overrides: Any) -> Organization:
    response = post(client, "/en/organizations/register/", profile_data(**overrides))
    assert response.status_code == 302, page_text(response)
    organization = Organization.objects.get(name_en=overrides.get("name_en", profile_data()["name_en"]))
    assert response["Location"] == f"/en/organizations/{organization.slug}/"
    return organization


def test_registering_creates_a_draft_owned_by_the_registrant(applicant: User) -> None:
    organization = register(client_for(applicant))

    assert organization.status == Organization.Status.DRAFT
    assert organization.name_ar == "الأمل لعائلات المعتقلين"
    assert re.fullmatch(
        r"hope-for-detainees-families-[a-z0-9]{4}", organization.slug
    )  # tests/organizations/test_addresses.py
    assert Membership.objects.get(organization=organization).user == applicant
    assert Membership.objects.get(organization=organization).role == Membership.Role.OWNER
    assert list(organization.history.values_list("action", "actor")) == [(HistoryEntry.Action.CREATED, applicant.pk)]
    assert mail.outbox == []


def test_draft_is_not_in_the_public_directory(applicant: User) -> None:
    register(client_for(applicant))

    assert "Hope for Detainees" not in page_text(Client().get("/en/organizations/"))


def test_registering_needs_an_account() -> None:
    response = Client().get("/en/organizations/register/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=/en/organizations/register/")


def test_registering_cannot_claim_to_be_a_host_or_verified(applicant: User) -> None:
    organization = register(client_for(applicant), is_host="on", status="verified")

    assert organization.status == Organization.Status.DRAFT
    assert not organization.is_host


def test_submitting_emails_owners_and_coordinators(applicant: User, coordinator: User) -> None:
    other_coordinator = make_coordinator(role=Membership.Role.EDITOR, email="omar@ose.example.org")
    client = client_for(applicant)
    organization = register(client)

    response = post(client, f"/en/organizations/{organization.slug}/submit/", follow=True)

    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert "A coordinator will review your organisation" in page_text(response)
    assert len(emails_to(applicant.email)) == 1
    assert len(emails_to(coordinator.email)) == 1
    assert len(emails_to(other_coordinator.email)) == 1
    assert "Hope for Detainees' Families" in emails_to(coordinator.email)[0].body
    assert HistoryEntry.Action.SUBMITTED in organization.history.values_list("action", flat=True)


def test_submitting_twice_is_refused_with_a_message(applicant: User, coordinator: User) -> None:
    client = client_for(applicant)
    organization = register(client)
    post(client, f"/en/organizations/{organization.slug}/submit/")
    mail.outbox.clear()

    response = post(client, f"/en/organizations/{organization.slug}/submit/", follow=True)

    assert "Only a draft can be submitted for verification." in page_text(response)
    assert mail.outbox == []


def test_the_review_form_makes_the_coordinator_choose_a_decision(applicant: User, coordinator: User) -> None:
    owner_client = client_for(applicant)
    organization = register(owner_client)
    post(owner_client, f"/en/organizations/{organization.slug}/submit/")

    queue = client_for(coordinator).get("/en/organizations/review/").content.decode()
    refused = post(client_for(coordinator), f"/en/organizations/{organization.slug}/review/", {"decision": ""})

    # No decision is preselected: "Verify" is one choice among three, not what an unconsidered click records.
    select = re.search(r'<select name="decision"[^>]*>(.*?)</select>', queue, re.S).group(1)
    assert re.match(r'\s*<option value="" selected>', select)
    assert select.count("selected") == 1
    assert refused.status_code == 302
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING


def test_the_menu_shows_how_many_organisations_await_review(applicant: User, coordinator: User) -> None:
    owner_client = client_for(applicant)
    for name in ["Hope for Detainees' Families", "Voices of the Missing"]:
        organization = register(owner_client, name_en=name)
        post(owner_client, f"/en/organizations/{organization.slug}/submit/")

    page = client_for(coordinator).get("/en/").content.decode()

    assert re.search(
        r'<a href="/en/organizations/review/">Verify <span class="badge">2</span>'
        r'<span class="visually-hidden"> \(2 organisations waiting\)</span></a>',
        page,
    ), page


def test_the_menu_shows_no_count_when_nothing_awaits_review(coordinator: User) -> None:
    page = client_for(coordinator).get("/en/").content.decode()

    assert '<a href="/en/organizations/review/">Verify</a>' in page


def test_coordinator_verifies_and_owners_are_emailed(applicant: User, coordinator: User) -> None:
    owner_client = client_for(applicant)
    organization = register(owner_client)
    post(owner_client, f"/en/organizations/{organization.slug}/submit/")
    queue = client_for(coordinator).get("/en/organizations/review/")
    assert "Hope for Detainees&#x27; Families" in page_text(queue)
    mail.outbox.clear()

    response = post(client_for(coordinator), f"/en/organizations/{organization.slug}/review/", {"decision": "verify"})

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED
    assert organization.verified_at is not None
    assert [message.to for message in mail.outbox] == [[applicant.email]]
    assert "Hope for Detainees&#x27; Families" in page_text(Client().get("/en/organizations/"))
    assert Client().get(f"/en/organizations/{organization.slug}/").status_code == 200
    entry = organization.history.first()
    assert (entry.action, entry.actor) == (HistoryEntry.Action.VERIFIED, coordinator)


def test_coordinator_asks_for_changes(applicant: User, coordinator: User) -> None:
    editor = UserFactory(email="sami@hope-families.example.org")
    owner_client = client_for(applicant)
    organization = register(owner_client)
    MembershipFactory(user=editor, organization=organization, role=Membership.Role.EDITOR)
    post(owner_client, f"/en/organizations/{organization.slug}/submit/")
    mail.outbox.clear()
    message = "Please add your website and describe your work in Raqqa."

    post(
        client_for(coordinator),
        f"/en/organizations/{organization.slug}/review/",
        {"decision": "request_changes", "message": message},
    )

    organization.refresh_from_db()
    assert organization.status == Organization.Status.DRAFT
    assert organization.review_message == message
    assert [message.to for message in mail.outbox] == [[applicant.email]]
    assert message in mail.outbox[0].body
    assert link_in(mail.outbox[0], "/edit/") == f"/en/organizations/{organization.slug}/edit/"
    assert message in page_text(client_for(editor).get(f"/en/organizations/{organization.slug}/"))
    # The owners can submit again once they have made the changes.
    post(owner_client, f"/en/organizations/{organization.slug}/submit/")
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING


def test_reviewers_message_is_not_shown_to_plain_members(applicant: User, coordinator: User) -> None:
    organization = OrganizationFactory(status=Organization.Status.PENDING)
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    message = "The registration documents do not match the name."
    post(
        client_for(coordinator),
        f"/en/organizations/{organization.slug}/review/",
        {"decision": "request_changes", "message": message},
    )

    assert message not in page_text(client_for(member).get(f"/en/organizations/{organization.slug}/"))


def test_asking_for_changes_needs_a_message(coordinator: User) -> None:
    organization = OrganizationFactory(status=Organization.Status.PENDING)

    response = post(
        client_for(coordinator),
        f"/en/organizations/{organization.slug}/review/",
        {"decision": "request_changes", "message": "  "},
        follow=True,
    )

    assert "Tell the owners what to change." in page_text(response)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.PENDING
    assert mail.outbox == []


def test_coordinator_suspends_a_verified_organization(coordinator: User) -> None:
    organization = OrganizationFactory(name_en="Taafi Initiative")
    owner = MembershipFactory(organization=organization, role=Membership.Role.OWNER).user
    reason = "Reports that this organisation shares data with the security services are being checked."

    post(
        client_for(coordinator),
        f"/en/organizations/{organization.slug}/review/",
        {"decision": "suspend", "message": reason},
    )

    organization.refresh_from_db()
    assert organization.status == Organization.Status.SUSPENDED
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert reason in mail.outbox[0].body
    assert "Taafi Initiative" not in page_text(Client().get("/en/organizations/"))
    assert Client().get(f"/en/organizations/{organization.slug}/").status_code == 404
    # The owners can still read it, but no longer edit it.
    assert client_for(owner).get(f"/en/organizations/{organization.slug}/").status_code == 200
    assert client_for(owner).get(f"/en/organizations/{organization.slug}/edit/").status_code == 403


def test_suspending_needs_a_reason(coordinator: User) -> None:
    organization = OrganizationFactory()

    response = post(
        client_for(coordinator),
        f"/en/organizations/{organization.slug}/review/",
        {"decision": "suspend", "message": ""},
        follow=True,
    )

    assert "Give the owners a reason for the suspension." in page_text(response)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.VERIFIED


# Duplicates -------------------------------------------------------------------------------------------


@pytest.fixture
def stj() -> Organization:
    return OrganizationFactory(
        name_en="Syrians for Truth and Justice",
        name_ar="سوريون من أجل الحقيقة والعدالة",
        acronym="STJ",
        website="https://stj-sy.org",
    )


def test_similar_name_shows_a_warning_and_creates_nothing(applicant: User, stj: Organization) -> None:
    response = post(client_for(applicant), "/en/organizations/register/", profile_data(name_en="syrians for TRUTH"))

    assert response.status_code == 200
    assert "These organisations look similar" in page_text(response)
    assert "Syrians for Truth and Justice" in page_text(response)
    assert 'name="confirm_not_duplicate"' in page_text(response)
    assert Organization.objects.count() == 1
    assert not Membership.objects.filter(user=applicant).exists()


def test_same_website_shows_a_warning(applicant: User, stj: Organization) -> None:
    data = profile_data(name_en="STJ Syria Office", website="https://www.stj-sy.org/en/")

    response = post(client_for(applicant), "/en/organizations/register/", data)

    assert "These organisations look similar" in page_text(response)
    assert Organization.objects.count() == 1


def test_ticking_the_confirmation_registers_anyway(applicant: User, stj: Organization) -> None:
    data = profile_data(name_en="Syrians for Truth", confirm_not_duplicate="on")

    response = post(client_for(applicant), "/en/organizations/register/", data)

    assert response.status_code == 302
    assert Organization.objects.count() == 2
    created = Organization.objects.get(name_en="Syrians for Truth")
    assert created.status == Organization.Status.DRAFT
    assert created.slug != stj.slug


def test_duplicate_warning_does_not_reveal_hidden_organizations(applicant: User) -> None:
    OrganizationFactory(name_en="Syrians for Truth and Justice", listed_publicly=False)
    OrganizationFactory(name_en="Syrians for Truth Network", status=Organization.Status.DRAFT)

    response = post(client_for(applicant), "/en/organizations/register/", profile_data(name_en="Syrians for Truth"))

    # Nothing the applicant may see is similar, so the registration goes through without naming the others.
    assert response.status_code == 302
    assert Organization.objects.filter(name_en="Syrians for Truth").exists()


# Joining ----------------------------------------------------------------------------------------------


@pytest.fixture
def families() -> Organization:
    return OrganizationFactory(name_en="Massar Families Association", name_ar="رابطة عائلات مسار", acronym="")


@pytest.fixture
def families_owner(families: Organization) -> User:
    return MembershipFactory(
        organization=families, role=Membership.Role.OWNER, user__email="owner@massar.example.org"
    ).user


def ask_to_join(client: Client, organization: Organization, message: str = "") -> Any:
    return post(client, f"/en/organizations/{organization.slug}/join/", {"message": message}, follow=True)


def test_asking_to_join_emails_the_owners(applicant: User, families: Organization, families_owner: User) -> None:
    response = ask_to_join(client_for(applicant), families, "I document cases of disappearance in Raqqa.")

    assert "Your request was sent to the owners." in page_text(response)
    join_request = JoinRequest.objects.get(organization=families, user=applicant)
    assert join_request.status == JoinRequest.Status.PENDING
    assert [message.to for message in mail.outbox] == [[families_owner.email]]
    assert applicant.email in mail.outbox[0].body or applicant.full_name in mail.outbox[0].body
    members_page = page_text(client_for(families_owner).get(f"/en/organizations/{families.slug}/members/"))
    assert "I document cases of disappearance in Raqqa." in members_page


def test_owner_approves_a_request_to_join(applicant: User, families: Organization, families_owner: User) -> None:
    ask_to_join(client_for(applicant), families)
    join_request = JoinRequest.objects.get(user=applicant)
    mail.outbox.clear()

    post(
        client_for(families_owner),
        f"/en/organizations/{families.slug}/join-requests/{join_request.pk}/",
        {"approve": "1"},
    )

    membership = Membership.objects.get(organization=families, user=applicant)
    assert membership.role == Membership.Role.MEMBER
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    assert join_request.decided_by == families_owner
    assert [message.to for message in mail.outbox] == [[applicant.email]]
    assert client_for(applicant).get(f"/en/organizations/{families.slug}/members/").status_code == 200


def test_owner_refuses_a_request_to_join(applicant: User, families: Organization, families_owner: User) -> None:
    ask_to_join(client_for(applicant), families)
    join_request = JoinRequest.objects.get(user=applicant)
    mail.outbox.clear()

    post(
        client_for(families_owner),
        f"/en/organizations/{families.slug}/join-requests/{join_request.pk}/",
        {"approve": "0"},
    )

    assert not Membership.objects.filter(organization=families, user=applicant).exists()
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REFUSED
    assert [message.to for message in mail.outbox] == [[applicant.email]]


def test_second_pending_request_is_refused(applicant: User, families: Organization, families_owner: User) -> None:
    client = client_for(applicant)
    ask_to_join(client, families)
    mail.outbox.clear()

    response = ask_to_join(client, families, "Did you get my request?")

    assert "You have already asked to join; the owners will answer." in page_text(response)
    assert JoinRequest.objects.filter(user=applicant).count() == 1
    assert mail.outbox == []


def test_member_of_another_organization_cannot_answer_requests(
    applicant: User, families: Organization, families_owner: User
) -> None:
    ask_to_join(client_for(applicant), families)
    join_request = JoinRequest.objects.get(user=applicant)
    stranger = MembershipFactory(role=Membership.Role.OWNER).user

    response = post(
        client_for(stranger), f"/en/organizations/{families.slug}/join-requests/{join_request.pk}/", {"approve": "1"}
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(organization=families, user=applicant).exists()


# Invitations ------------------------------------------------------------------------------------------

COLLEAGUE = "colleague@example.org"


def invite(owner: User, organization: Organization, email: str = COLLEAGUE, role: str = "editor") -> str:
    """Invite `email` through the members page; return the path of the link in the email."""
    response = post(
        client_for(owner), f"/en/organizations/{organization.slug}/members/invite/", {"email": email, "role": role}
    )
    assert response.status_code == 302
    (message,) = emails_to(email)
    return link_in(message, "/organizations/invitations/")


def test_owner_invites_a_colleague_by_email(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)

    invitation = MembershipInvitation.objects.get(organization=families)
    assert (invitation.email, invitation.role, invitation.invited_by) == (COLLEAGUE, "editor", families_owner)
    assert path.startswith("/en/organizations/invitations/")
    assert "Massar Families Association" in emails_to(COLLEAGUE)[0].body
    members_page = page_text(client_for(families_owner).get(f"/en/organizations/{families.slug}/members/"))
    assert COLLEAGUE in members_page


def test_invitation_link_offers_log_in_and_sign_up_to_visitors(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)

    response = Client().get(path)

    assert response.status_code == 200
    html = page_text(response)
    links = {unquote(href) for href in re.findall(r'href="([^"]+)"', html)}
    assert "You are invited to join <bdi>Massar Families Association</bdi>" in html
    assert f"/en/accounts/login/?next={path}" in links
    assert f"/en/accounts/signup/?next={path}" in links
    assert "Accept and join" not in html


def test_another_signed_in_person_cannot_accept(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)
    someone_else = UserFactory(email="someone.else@example.org")

    response = post(client_for(someone_else), path)

    assert response.status_code == 400
    assert "This invitation was sent to colleague@example.org" in page_text(response)
    assert not Membership.objects.filter(user=someone_else).exists()
    assert MembershipInvitation.objects.get().accepted_at is None


def test_invited_colleague_signs_up_and_accepts(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)
    client = Client()
    signup = client.post(
        "/en/accounts/signup/", {"email": COLLEAGUE, "password1": PASSWORD, "password2": PASSWORD, "next": path}
    )
    assert signup.status_code == 302
    confirmation = link_in(emails_to(COLLEAGUE)[-1], "/accounts/confirm-email/")
    assert client.post(confirmation).status_code == 302

    response = post(client, path, follow=True)

    colleague = User.objects.get(email=COLLEAGUE)
    assert response.redirect_chain[-1][0] == f"/en/organizations/{families.slug}/"
    assert "Welcome to Massar Families Association." in page_text(response)
    assert Membership.objects.get(organization=families, user=colleague).role == Membership.Role.EDITOR
    assert MembershipInvitation.objects.get().accepted_by == colleague
    assert client.get(f"/en/organizations/{families.slug}/edit/").status_code == 200
    # The link works once.
    assert post(client, path).status_code == 400


def test_unverified_address_cannot_accept(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)
    colleague = UserFactory(email=COLLEAGUE, email_verified=False)

    response = post(client_for(colleague), path)

    assert response.status_code == 400
    assert not Membership.objects.filter(user=colleague).exists()


def test_tampered_invitation_is_refused(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)
    colleague = UserFactory(email=COLLEAGUE)
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = f"/en/organizations/invitations/{token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}/"

    response = post(client_for(colleague), tampered)

    assert response.status_code == 400
    assert "This invitation link is not valid." in page_text(response)
    assert not Membership.objects.filter(user=colleague).exists()


def test_expired_invitation_is_refused(
    families: Organization, families_owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = invite(families_owner, families)
    colleague = UserFactory(email=COLLEAGUE)
    monkeypatch.setattr(services, "INVITATION_MAX_AGE", -1)

    shown = Client().get(path)
    response = post(client_for(colleague), path)

    assert shown.status_code == 400
    assert response.status_code == 400
    assert "This invitation has expired. Ask for a new one." in page_text(response)
    # A dead link is not a dead end: the page leads back to the portal.
    assert '<a class="button" href="/en/">' in shown.content.decode()
    assert not Membership.objects.filter(user=colleague).exists()


def test_withdrawn_invitation_is_refused(families: Organization, families_owner: User) -> None:
    path = invite(families_owner, families)
    invitation = MembershipInvitation.objects.get()
    post(client_for(families_owner), f"/en/organizations/{families.slug}/invitations/{invitation.pk}/revoke/")

    response = post(client_for(UserFactory(email=COLLEAGUE)), path)

    assert response.status_code == 400
    assert "This invitation was withdrawn." in page_text(response)


def test_editor_cannot_invite(families: Organization, families_owner: User) -> None:
    editor = MembershipFactory(organization=families, role=Membership.Role.EDITOR).user

    response = post(
        client_for(editor), f"/en/organizations/{families.slug}/members/invite/", {"email": COLLEAGUE, "role": "owner"}
    )

    assert response.status_code == 403
    assert not MembershipInvitation.objects.exists()
    assert mail.outbox == []


# Owners -----------------------------------------------------------------------------------------------


def test_last_owner_cannot_leave(families: Organization, families_owner: User) -> None:
    membership = Membership.objects.get(user=families_owner)

    response = post(
        client_for(families_owner),
        f"/en/organizations/{families.slug}/members/{membership.pk}/remove/",
        follow=True,
    )

    assert "The last owner cannot leave: name another owner first." in page_text(response)
    assert Membership.objects.get(pk=membership.pk).role == Membership.Role.OWNER


def test_last_owner_cannot_be_demoted(families: Organization, families_owner: User) -> None:
    membership = Membership.objects.get(user=families_owner)

    response = post(
        client_for(families_owner),
        f"/en/organizations/{families.slug}/members/{membership.pk}/role/",
        {"role": "editor"},
        follow=True,
    )

    assert "An organisation needs at least one owner: name another owner first." in page_text(response)
    assert Membership.objects.get(pk=membership.pk).role == Membership.Role.OWNER


def test_owner_can_leave_once_there_is_another_owner(families: Organization, families_owner: User) -> None:
    colleague = MembershipFactory(organization=families, role=Membership.Role.EDITOR).user
    colleague_membership = Membership.objects.get(user=colleague)
    client = client_for(families_owner)
    post(client, f"/en/organizations/{families.slug}/members/{colleague_membership.pk}/role/", {"role": "owner"})
    own = Membership.objects.get(user=families_owner)

    response = post(client, f"/en/organizations/{families.slug}/members/{own.pk}/remove/")

    assert response.status_code == 302
    assert response["Location"] == "/en/organizations/mine/"
    assert list(Membership.objects.filter(organization=families).values_list("user", "role")) == [
        (colleague.pk, Membership.Role.OWNER)
    ]


def test_member_can_leave(families: Organization, families_owner: User) -> None:
    member = MembershipFactory(organization=families, role=Membership.Role.MEMBER)

    response = post(client_for(member.user), f"/en/organizations/{families.slug}/members/{member.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_member_cannot_remove_someone_else(families: Organization, families_owner: User) -> None:
    member = MembershipFactory(organization=families, role=Membership.Role.MEMBER)
    owner_membership = Membership.objects.get(user=families_owner)

    response = post(client_for(member.user), f"/en/organizations/{families.slug}/members/{owner_membership.pk}/remove/")

    assert response.status_code == 403
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


# Networks ---------------------------------------------------------------------------------------------


def test_network_member_is_shown_once_the_member_confirms(families: Organization, families_owner: User) -> None:
    charter = OrganizationFactory(
        name_en="Truth and Justice Charter", name_ar="ميثاق الحقيقة والعدالة", acronym="", kind="network"
    )
    charter_owner = MembershipFactory(organization=charter, role=Membership.Role.OWNER).user
    charter_profile = f"/en/organizations/{charter.slug}/"

    post(client_for(charter_owner), f"/en/organizations/{charter.slug}/network/add/", {"member": families.pk})

    link = NetworkMembership.objects.get(network=charter, member=families)
    assert not link.confirmed
    assert [message.to for message in mail.outbox] == [[families_owner.email]]
    assert "Massar Families Association" not in page_text(Client().get(charter_profile))
    members_page = page_text(client_for(families_owner).get(f"/en/organizations/{families.slug}/members/"))
    assert "Truth and Justice Charter" in members_page

    post(
        client_for(families_owner),
        f"/en/organizations/{families.slug}/network/{link.pk}/",
        {"confirm": "1"},
    )

    link.refresh_from_db()
    assert link.confirmed
    assert "Massar Families Association" in page_text(Client().get(charter_profile))
    assert "Truth and Justice Charter" in page_text(Client().get(f"/en/organizations/{families.slug}/"))


def test_network_owner_cannot_confirm_for_the_member(families: Organization, families_owner: User) -> None:
    charter = OrganizationFactory(name_en="Truth and Justice Charter", kind="network")
    charter_owner = MembershipFactory(organization=charter, role=Membership.Role.OWNER).user
    post(client_for(charter_owner), f"/en/organizations/{charter.slug}/network/add/", {"member": families.pk})
    link = NetworkMembership.objects.get()

    response = post(
        client_for(charter_owner), f"/en/organizations/{families.slug}/network/{link.pk}/", {"confirm": "1"}
    )

    assert response.status_code == 403
    assert not NetworkMembership.objects.get().confirmed


def test_only_a_networks_owners_add_members(families: Organization, families_owner: User) -> None:
    charter = OrganizationFactory(name_en="Truth and Justice Charter", kind="network")
    charter_editor = MembershipFactory(organization=charter, role=Membership.Role.EDITOR).user

    response = post(
        client_for(charter_editor), f"/en/organizations/{charter.slug}/network/add/", {"member": families.pk}
    )

    assert response.status_code == 403
    assert not NetworkMembership.objects.exists()


def test_network_form_does_not_list_hidden_organizations(families: Organization) -> None:
    charter = OrganizationFactory(name_en="Truth and Justice Charter", kind="network")
    charter_owner = MembershipFactory(organization=charter, role=Membership.Role.OWNER).user
    hidden = OrganizationFactory(name_en="Caesar Families Association", listed_publicly=False)

    members_page = page_text(client_for(charter_owner).get(f"/en/organizations/{charter.slug}/members/"))
    response = post(client_for(charter_owner), f"/en/organizations/{charter.slug}/network/add/", {"member": hidden.pk})

    assert "Massar Families Association" in members_page
    assert "Caesar Families Association" not in members_page
    assert response.status_code == 302
    assert not NetworkMembership.objects.exists()


# History ----------------------------------------------------------------------------------------------


def test_history_shows_field_changes_after_an_edit(coordinator: User) -> None:
    stj = OrganizationFactory(name_en="Syrians for Truth and Justice", acronym="STJ")
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER, user__full_name="Sara Owner").user
    client = client_for(owner)

    response = post(client, f"/en/organizations/{stj.slug}/edit/", current_profile_data(stj) | {"acronym": "STJ-SY"})

    assert response.status_code == 302, page_text(response)
    stj.refresh_from_db()
    assert stj.acronym == "STJ-SY"
    entry = stj.history.get(action=HistoryEntry.Action.EDITED)
    assert entry.changes == {"acronym": ["STJ", "STJ-SY"]}
    for reader in (owner, coordinator):
        html = page_text(client_for(reader).get(f"/en/organizations/{stj.slug}/history/"))
        assert "Profile edited" in html
        assert "<code>acronym</code>: <del>STJ</del> → <ins>STJ-SY</ins>" in html


def test_history_shows_coordinators_what_changed_not_who(coordinator: User) -> None:
    stj = OrganizationFactory(acronym="STJ")
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER, user__full_name="Sara Owner").user
    post(client_for(owner), f"/en/organizations/{stj.slug}/edit/", current_profile_data(stj) | {"acronym": "STJ-SY"})

    for_owner = page_text(client_for(owner).get(f"/en/organizations/{stj.slug}/history/"))
    for_coordinator = page_text(client_for(coordinator).get(f"/en/organizations/{stj.slug}/history/"))
    for_operator = page_text(client_for(UserFactory(is_superuser=True)).get(f"/en/organizations/{stj.slug}/history/"))

    assert "Sara Owner" in for_owner
    assert "Sara Owner" in for_operator
    assert "<del>STJ</del> → <ins>STJ-SY</ins>" in for_coordinator
    assert "Sara Owner" not in for_coordinator
    assert owner.email not in for_coordinator


def test_coordinators_see_who_changed_their_own_host(coordinator: User) -> None:
    host = host_organization()
    colleague = MembershipFactory(organization=host, role=Membership.Role.EDITOR, user__full_name="Omar Colleague")
    HistoryEntry.objects.create(organization=host, actor=colleague.user, action=HistoryEntry.Action.EDITED)

    assert "Omar Colleague" in page_text(client_for(coordinator).get(f"/en/organizations/{host.slug}/history/"))


def test_the_organisations_export_names_who_only_to_those_who_may_see_it(coordinator: User) -> None:
    stj = OrganizationFactory()
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER, user__full_name="Sara Owner").user
    HistoryEntry.objects.create(organization=stj, actor=owner, action=HistoryEntry.Action.EDITED)

    assert [entry["who"] for entry in exchange.organization_data(owner, stj)["history"]] == ["Sara Owner"]
    assert all("who" not in entry for entry in exchange.organization_data(coordinator, stj)["history"])


def test_saving_an_unchanged_profile_records_nothing() -> None:
    stj = OrganizationFactory(name_en="Syrians for Truth and Justice", acronym="STJ")
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER).user

    response = post(client_for(owner), f"/en/organizations/{stj.slug}/edit/", current_profile_data(stj))

    assert response.status_code == 302, page_text(response)
    assert not stj.history.filter(action=HistoryEntry.Action.EDITED).exists()


def test_history_hides_private_contact_changes_from_coordinators(coordinator: User) -> None:
    stj = OrganizationFactory(address="Old office, Gaziantep", address_visibility="private")
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER).user
    data = current_profile_data(stj) | {"address": "Canary Street 7, Gaziantep"}
    post(client_for(owner), f"/en/organizations/{stj.slug}/edit/", data)

    for_owner = page_text(client_for(owner).get(f"/en/organizations/{stj.slug}/history/"))
    for_coordinator = page_text(client_for(coordinator).get(f"/en/organizations/{stj.slug}/history/"))

    assert "Canary Street 7" in for_owner
    assert "Canary Street 7" not in for_coordinator
    assert "Old office" not in for_coordinator


def test_history_keeps_a_value_hidden_from_those_it_was_hidden_from_when_written(coordinator: User) -> None:
    stj = OrganizationFactory(phone="+963 11 111 1111", phone_visibility="private")
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER).user
    edit = f"/en/organizations/{stj.slug}/edit/"
    post(client_for(owner), edit, current_profile_data(stj) | {"phone": "+963 22 222 2222"})
    stj.refresh_from_db()
    post(client_for(owner), edit, current_profile_data(stj) | {"phone_visibility": "coordinators"})

    for_coordinator = page_text(client_for(coordinator).get(f"/en/organizations/{stj.slug}/history/"))
    exported = str(exchange.organization_data(coordinator, stj)["history"])

    assert "+963 11 111 1111" not in for_coordinator
    assert "+963 11 111 1111" not in exported
    assert "changed (not shown to you)" in for_coordinator
    assert "+963 11 111 1111" in page_text(client_for(owner).get(f"/en/organizations/{stj.slug}/history/"))
    assert stj.history.filter(action=HistoryEntry.Action.EDITED).last().audiences == {"phone": "private"}


def test_history_keeps_a_value_hidden_once_its_audience_narrows(coordinator: User) -> None:
    stj = OrganizationFactory(phone="+963 11 111 1111", phone_visibility="coordinators")
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER).user
    edit = f"/en/organizations/{stj.slug}/edit/"
    post(client_for(owner), edit, current_profile_data(stj) | {"phone": "+963 22 222 2222"})
    stj.refresh_from_db()
    post(client_for(owner), edit, current_profile_data(stj) | {"phone_visibility": "private"})

    for_coordinator = page_text(client_for(coordinator).get(f"/en/organizations/{stj.slug}/history/"))

    assert "+963 11 111 1111" not in for_coordinator
    assert "+963 22 222 2222" not in for_coordinator


def test_history_hides_who_joined_from_coordinators(coordinator: User, applicant: User) -> None:
    stj = OrganizationFactory()
    owner = MembershipFactory(organization=stj, role=Membership.Role.OWNER).user
    post(client_for(applicant), f"/en/organizations/{stj.slug}/join/", {"message": ""})
    join_request = JoinRequest.objects.get()
    post(client_for(owner), f"/en/organizations/{stj.slug}/join-requests/{join_request.pk}/", {"approve": "1"})

    for_owner = page_text(client_for(owner).get(f"/en/organizations/{stj.slug}/history/"))
    for_coordinator = page_text(client_for(coordinator).get(f"/en/organizations/{stj.slug}/history/"))

    assert applicant.email in for_owner
    assert "Member added" in for_coordinator
    assert applicant.email not in for_coordinator
    assert str(owner) in for_owner
    assert str(owner) not in for_coordinator
