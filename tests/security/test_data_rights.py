"""A person's rights over their data: download all of it, delete the account; and an organisation's owners
download all of the organisation's data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from agreements.models import Agreement
from events import services as event_services
from events.models import Event, Registration, hash_feed_token
from newsletters.models import Subscriber, Subscription
from organizations import services as organization_services
from organizations.models import (
    HistoryEntry,
    JoinRequest,
    Membership,
    MembershipInvitation,
    Organization,
)
from portal import audit
from portal.models import AuditEntry, User
from statements.models import Endorsement
from tests.conftest import PASSWORD, sign_in
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    EndorsementFactory,
    EventFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    RegistrationFactory,
    SubscriberFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.portal.conftest import is_signed_in

pytestmark = pytest.mark.django_db

RANIA = "rania@example.org"
KARIM = "karim@example.org"


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def downloaded(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return json.loads(response.content)


def delete_account(client: Client, password: str = PASSWORD) -> Any:
    return client.post("/en/accounts/delete/", {"password": password})


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory(name_en="Caesar Families Association")


@pytest.fixture
def rania(organization: Organization) -> User:
    """An editor of the association who registered for an event, endorsed a letter, subscribes to a list,
    asked to join another organisation and was invited to a third."""
    rania = UserFactory(email=RANIA, full_name="Rania Haddad")
    MembershipFactory(user=rania, organization=organization, role=Membership.Role.EDITOR)
    RegistrationFactory(user=rania, interest_statement="Rania: we document detentions in Homs.")
    EndorsementFactory(organization=organization, endorsed_by=rania)
    SubscriptionFactory(subscriber=SubscriberFactory(email=RANIA))
    JoinRequest.objects.create(organization=OrganizationFactory(), user=rania, message="Rania asks to join.")
    MembershipInvitation.objects.create(organization=OrganizationFactory(), email=RANIA, role="member")
    return rania


@pytest.fixture
def karim(organization: Organization) -> User:
    """Rania's colleague, the association's owner, with data of his own."""
    karim = UserFactory(email=KARIM, full_name="Karim Nasser")
    MembershipFactory(user=karim, organization=organization, role=Membership.Role.OWNER)
    RegistrationFactory(user=karim, interest_statement="Karim: private note about Idlib.")
    SubscriptionFactory(subscriber=SubscriberFactory(email=KARIM))
    JoinRequest.objects.create(organization=OrganizationFactory(), user=karim, message="Karim asks to join.")
    return karim


# Downloading one's data ---------------------------------------------------------------------------------


def test_download_holds_the_persons_own_data(rania: User) -> None:
    client_for(rania).post("/en/accounts/logout/")  # leaves an audit entry of her own
    token = event_services.reset_calendar_feed(rania, user=rania)

    data = downloaded(client_for(rania).get("/en/accounts/data/"))

    assert data["account"]["email"] == RANIA
    assert data["account"]["full_name"] == "Rania Haddad"
    assert [address["email"] for address in data["email_addresses"]] == [RANIA]
    assert [(row["organization"], row["role"]) for row in data["memberships"]] == [
        ("Caesar Families Association", "editor")
    ]
    assert [row["message"] for row in data["join_requests"]] == ["Rania asks to join."]
    assert [row["email"] for row in data["invitations"]] == [RANIA]
    assert [row["interest_statement"] for row in data["event_registrations"]] == [
        "Rania: we document detentions in Homs."
    ]
    assert [row["organization"] for row in data["endorsements"]] == ["Caesar Families Association"]
    assert [row["email"] for row in data["subscriptions"]] == [RANIA]
    assert "logout" in [row["action"] for row in data["audit_log"]]
    # That she has a calendar feed address, and since when: never the address nor what is kept of it.
    assert len(data["calendar_feed"]) == 1
    assert token not in json.dumps(data) and hash_feed_token(token) not in json.dumps(data)


def test_download_holds_nothing_of_anyone_else(rania: User, karim: User, organization: Organization) -> None:
    # Karim acts on Rania's membership: the entry is his, not hers.
    membership = Membership.objects.get(user=rania, organization=organization)
    organization_services.change_role(karim, membership, Membership.Role.MEMBER)

    response = client_for(rania).get("/en/accounts/data/")

    downloaded(response)
    text = response.content.decode()
    assert "karim" not in text.lower()
    assert "Idlib" not in text
    assert "role_changed" not in text


def test_download_is_recorded_in_the_audit_log(rania: User) -> None:
    client_for(rania).get("/en/accounts/data/")

    assert AuditEntry.objects.filter(action=AuditEntry.Action.DATA_DOWNLOADED, actor=rania).count() == 1


def test_download_needs_a_signed_in_person(db: None) -> None:
    response = client_for().get("/en/accounts/data/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_account_pages_link_to_the_download_and_the_deletion(rania: User) -> None:
    page = client_for(rania).get("/en/accounts/preferences/").content.decode()

    assert 'href="/en/accounts/data/"' in page
    assert 'href="/en/accounts/delete/"' in page


# Deleting one's account ---------------------------------------------------------------------------------


def test_last_owner_of_an_organisation_with_other_members_cannot_delete_the_account(
    rania: User, karim: User, organization: Organization
) -> None:
    client = client_for(karim)
    assert "Name another owner first" in client.get("/en/accounts/delete/").content.decode()

    response = delete_account(client)

    assert response.status_code == 200
    assert (
        "You are the last owner of Caesar Families Association. Name another owner first, then delete your account."
    ) in response.content.decode()
    assert User.objects.filter(pk=karim.pk).exists()
    assert Membership.objects.filter(user=karim, organization=organization, role=Membership.Role.OWNER).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.ACCOUNT_DELETED).exists()


def test_deleting_the_account_needs_the_password(rania: User) -> None:
    response = delete_account(client_for(rania), password="not-my-password")

    assert response.status_code == 200
    assert "This is not your password." in response.content.decode()
    assert User.objects.filter(pk=rania.pk).exists()


def test_deleted_account_is_gone_and_its_work_is_a_former_members(
    rania: User, karim: User, organization: Organization
) -> None:
    organization_services.record(organization, rania, HistoryEntry.Action.EDITED, changes={"website": ["", "x"]})
    organization_services.change_role(karim, Membership.objects.get(user=rania), Membership.Role.EDITOR)
    endorsement = Endorsement.objects.get(endorsed_by=rania)
    client = client_for(rania)

    response = delete_account(client)

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert not is_signed_in(client)
    assert not User.objects.filter(email=RANIA).exists()
    assert list(organization.memberships.values_list("user__email", flat=True)) == [KARIM]
    assert not Registration.objects.filter(interest_statement__contains="Rania").exists()
    assert not Subscriber.objects.filter(email=RANIA).exists()
    assert Subscription.objects.filter(subscriber__email=KARIM).exists()
    assert not MembershipInvitation.objects.filter(email=RANIA).exists()
    endorsement.refresh_from_db()
    assert endorsement.endorsed_by is None  # the endorsement stands: it is the organisation's
    history = client_for(karim).get(f"/en/organizations/{organization.slug}/history/").content.decode()
    assert "a former member" in history
    assert "Rania" not in history
    assert RANIA not in history


def test_deleted_account_cannot_log_in(rania: User) -> None:
    delete_account(client_for(rania))
    client = Client()

    response = client.post("/en/accounts/login/", {"login": RANIA, "password": PASSWORD})

    assert response.status_code == 200
    assert not is_signed_in(client)


def test_deletion_is_audited_under_the_hash_of_the_address(rania: User, operator: User) -> None:
    client_for().post("/en/accounts/login/", {"login": RANIA, "password": PASSWORD})

    delete_account(client_for(rania))

    deleted = AuditEntry.objects.get(action=AuditEntry.Action.ACCOUNT_DELETED)
    assert deleted.actor is None
    assert deleted.actor_email == audit.hashed_email(RANIA)
    assert not AuditEntry.objects.filter(actor_email__icontains="rania").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor_email=audit.hashed_email(RANIA)).exists()
    # Operators still find the entries when they know the address.
    found = client_for(operator).get(f"/admin/portal/auditentry/?q={RANIA}").content.decode()
    assert "account_deleted" in found or "Account deleted" in found


def test_the_seat_of_a_deleted_account_goes_to_the_waiting_list(rania: User) -> None:
    event = EventFactory(capacity=1)
    RegistrationFactory(event=event, user=rania)
    waiting = RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)

    delete_account(client_for(rania))

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_sole_member_of_an_organisation_may_delete_the_account(db: None) -> None:
    alone = MembershipFactory(role=Membership.Role.OWNER)

    response = delete_account(client_for(alone.user))

    assert response.status_code == 302
    assert not User.objects.filter(pk=alone.user_id).exists()
    assert Organization.objects.filter(pk=alone.organization_id).exists()


# An organisation's data ---------------------------------------------------------------------------------


def test_owners_download_their_organisations_data(rania: User, karim: User, organization: Organization) -> None:
    mou = AgreementFactory(kind=Agreement.Kind.MOU, visibility=Agreement.Visibility.CONFIDENTIAL, title_en="Our MoU")
    AgreementPartyFactory(agreement=mou, organization=organization, named_publicly=False)
    other_mou = AgreementFactory(
        kind=Agreement.Kind.MOU, visibility=Agreement.Visibility.CONFIDENTIAL, title_en="Someone else's MoU"
    )
    AgreementPartyFactory(agreement=other_mou, organization=OrganizationFactory(), named_publicly=False)
    InvitationFactory(event=EventFactory(title_en="Lausanne Platform"), organization=organization)
    InvitationFactory(
        event=EventFactory(title_en="Draft meeting", status=Event.Status.DRAFT), organization=organization
    )
    organization_services.change_role(karim, Membership.objects.get(user=rania), Membership.Role.MEMBER)

    response = client_for(karim).get(f"/en/organizations/{organization.slug}/export/")

    data = downloaded(response)
    assert data["profile"]["name_en"] == "Caesar Families Association"
    assert {member["email"] for member in data["members"]} == {RANIA, KARIM}
    assert [entry["action"] for entry in data["history"]] == ["role_changed"]
    assert [agreement["title"] for agreement in data["agreements"]] == ["Our MoU"]
    assert [invitation["event"] for invitation in data["event_invitations"]] == ["Lausanne Platform"]
    assert len(data["endorsements"]) == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert (entry.actor, entry.target_id) == (karim, str(organization.pk))


def test_only_owners_download_an_organisations_data(rania: User, karim: User, organization: Organization) -> None:
    path = f"/en/organizations/{organization.slug}/export/"

    assert client_for(rania).get(path).status_code == 403  # a member, not an owner
    assert client_for(UserFactory()).get(path).status_code == 403
    assert client_for().get(path).status_code == 302
    hidden = OrganizationFactory(listed_publicly=False)
    assert client_for(UserFactory()).get(f"/en/organizations/{hidden.slug}/export/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_members_page_links_the_export_for_owners_only(rania: User, karim: User, organization: Organization) -> None:
    path = f"/en/organizations/{organization.slug}/members/"
    link = f'href="/en/organizations/{organization.slug}/export/"'

    assert link in client_for(karim).get(path).content.decode()
    assert link not in client_for(rania).get(path).content.decode()
