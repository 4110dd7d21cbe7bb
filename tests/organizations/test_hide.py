"""Hide everything now: an owner (or an operator, by a command) takes an organisation out of public view in one
action, and an owner brings it back as it was (issue 19)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from agreements.models import Agreement
from events import services as event_services
from events.models import Event
from organizations import services
from organizations.models import Membership, Organization
from portal.models import AuditEntry, User
from statements.models import Statement
from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    EditionFactory,
    EndorsementFactory,
    EventFactory,
    InvitationFactory,
    ItemFactory,
    MembershipFactory,
    NetworkMembershipFactory,
    OrganizationFactory,
    RegistrationFactory,
    SectionFactory,
    StatementFactory,
    UserFactory,
    make_coordinator,
)

NAME = "Families for Truth and Justice"


@pytest.fixture
def families(db: None) -> Organization:
    return OrganizationFactory(name_en=NAME)


@pytest.fixture
def owner(families: Organization) -> User:
    return MembershipFactory(organization=families, role=Membership.Role.OWNER).user


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def named_on(client: Client, path: str) -> bool:
    return NAME in client.get(path).content.decode()


def test_an_owner_hides_everything_with_one_confirmation(families: Organization, owner: User) -> None:
    owner_client = client_for(owner)
    assert "Hide everything now" in owner_client.get(f"/en/organizations/{families.slug}/").content.decode()
    assert owner_client.get(f"/en/organizations/{families.slug}/hide/").status_code == 200

    response = owner_client.post(f"/en/organizations/{families.slug}/hide/")

    assert response.status_code == 302
    families.refresh_from_db()
    assert families.is_hidden
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ORGANIZATION_HIDDEN, actor=owner).exists()


def test_an_editor_may_not_hide_the_organisation(families: Organization) -> None:
    editor = MembershipFactory(organization=families, role=Membership.Role.EDITOR).user

    assert client_for(editor).post(f"/en/organizations/{families.slug}/hide/").status_code == 403
    families.refresh_from_db()
    assert not families.is_hidden


def test_a_hidden_organisation_is_found_nowhere_outside_itself(families: Organization, owner: User) -> None:
    services.hide_organization(owner, families)
    stranger = MembershipFactory(organization=OrganizationFactory()).user

    for who in (None, stranger):
        client = client_for(who)
        assert not named_on(client, "/en/organizations/")
        assert not named_on(client, f"/en/organizations/?q={NAME[:8]}")
        assert client.get(f"/en/organizations/{families.slug}/").status_code == 404
        assert not named_on(client, "/api/v1/organizations/?format=json")
        assert client.get(f"/api/v1/organizations/{families.slug}/").status_code == 404
    assert named_on(client_for(owner), f"/en/organizations/{families.slug}/")


def test_coordinators_keep_seeing_it_marked_as_hidden(families: Organization, owner: User) -> None:
    services.hide_organization(owner, families)

    page = client_for(make_coordinator()).get(f"/en/organizations/{families.slug}/").content.decode()

    assert NAME in page and "hidden from public view" in page


def test_its_endorsements_are_counted_but_no_longer_named(families: Organization, owner: User) -> None:
    statement = StatementFactory(status=Statement.Status.PUBLISHED, published_on="2026-11-01")
    EndorsementFactory(statement=statement, organization=families)
    EndorsementFactory(statement=statement)

    services.hide_organization(owner, families)

    statement.refresh_from_db()
    assert statement.endorsers_count == 2 and statement.unnamed_count == 1
    assert not named_on(client_for(None), f"/en/statements/{statement.slug}/")
    assert not named_on(client_for(None), f"/api/v1/statements/{statement.slug}/endorsers/?format=json")


def test_it_leaves_the_parties_named_on_agreements_but_the_mechanism_keeps_them(
    families: Organization, owner: User
) -> None:
    agreement = AgreementFactory(status=Agreement.Status.IN_FORCE, visibility=Agreement.Visibility.PUBLIC)
    AgreementPartyFactory(agreement=agreement, organization=families)

    services.hide_organization(owner, families)

    assert not named_on(client_for(None), f"/en/agreements/{agreement.slug}/")
    coordinator = MembershipFactory(organization=agreement.owner, role=Membership.Role.OWNER).user
    assert named_on(client_for(coordinator), f"/en/agreements/{agreement.slug}/")


def test_a_hidden_endorser_is_not_offered_to_be_named_nor_named(families: Organization, owner: User) -> None:
    statement = StatementFactory(status=Statement.Status.OPEN)
    endorsement = EndorsementFactory(statement=statement, organization=families, named_publicly=False)
    client = client_for(owner)
    assert "Name us publicly" in client.get(f"/en/statements/{statement.slug}/").content.decode()

    services.hide_organization(owner, families)

    assert "Name us publicly" not in client.get(f"/en/statements/{statement.slug}/").content.decode()
    client.post(f"/en/statements/{statement.slug}/name/", {"endorsement": endorsement.pk})
    endorsement.refresh_from_db()
    assert not endorsement.named_publicly


def test_a_hidden_party_is_not_offered_to_be_named_nor_named(families: Organization, owner: User) -> None:
    agreement = AgreementFactory(status=Agreement.Status.IN_FORCE, visibility=Agreement.Visibility.PUBLIC)
    party = AgreementPartyFactory(agreement=agreement, organization=families, named_publicly=False)
    client = client_for(owner)
    assert "Name us publicly" in client.get(f"/en/agreements/{agreement.slug}/").content.decode()

    services.hide_organization(owner, families)

    assert "Name us publicly" not in client.get(f"/en/agreements/{agreement.slug}/").content.decode()
    client.post(f"/en/agreements/{agreement.slug}/parties/{party.pk}/name/")
    party.refresh_from_db()
    assert not party.named_publicly


def test_it_leaves_participant_lists_network_lists_and_bulletin_mentions(families: Organization, owner: User) -> None:
    event = EventFactory(visibility=Event.Visibility.PUBLIC)
    invitation = InvitationFactory(event=event, organization=families, listed_to_participants=True)
    RegistrationFactory(event=event, invitation=invitation)
    other = RegistrationFactory(event=event).user
    network = NetworkMembershipFactory(member=families).network
    edition = EditionFactory()
    ItemFactory(section=SectionFactory(edition=edition)).organizations.add(families)
    edition_path = f"/en/bulletins/{edition.publication.slug}/{edition.number}/"
    assert named_on(client_for(other), f"/en/events/{event.slug}/")
    assert named_on(client_for(None), f"/en/organizations/{network.slug}/")
    assert named_on(client_for(None), edition_path)

    services.hide_organization(owner, families)

    assert not named_on(client_for(other), f"/en/events/{event.slug}/")
    assert not named_on(client_for(None), f"/en/organizations/{network.slug}/")
    assert not named_on(client_for(None), edition_path)


def test_its_calendar_feed_address_stops_working_for_good(families: Organization, owner: User) -> None:
    path = f"/en/events/feeds/{event_services.reset_calendar_feed(owner, organization=families)}.ics"
    assert client_for(None).get(path).status_code == 200

    services.hide_organization(owner, families)

    assert client_for(None).get(path).status_code == 404
    # Shown again, it gets a new address from its owners: the old one stays dead.
    services.reveal_organization(owner, families)
    assert client_for(None).get(path).status_code == 404


def test_hiding_can_sign_out_every_member_and_revoke_their_api_keys(families: Organization, owner: User) -> None:
    colleague = MembershipFactory(organization=families).user
    outsider = UserFactory()
    for person in (colleague, outsider):
        client_for(person).get("/en/")
        Token.objects.create(user=person)

    client_for(owner).post(f"/en/organizations/{families.slug}/hide/", {"sign_out_members": "on"})

    signed_in = {session.get_decoded().get("_auth_user_id") for session in Session.objects.all()}
    assert str(colleague.pk) not in signed_in and str(owner.pk) not in signed_in
    assert str(outsider.pk) in signed_in
    assert not Token.objects.filter(user=colleague).exists() and Token.objects.filter(user=outsider).exists()


def test_an_owner_shows_it_again_and_everything_comes_back(families: Organization, owner: User) -> None:
    statement = StatementFactory(status=Statement.Status.PUBLISHED, published_on="2026-11-01")
    EndorsementFactory(statement=statement, organization=families)
    services.hide_organization(owner, families)

    response = client_for(owner).post(f"/en/organizations/{families.slug}/reveal/")

    assert response.status_code == 302
    assert named_on(client_for(None), "/en/organizations/")
    assert named_on(client_for(None), f"/en/statements/{statement.slug}/")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ORGANIZATION_REVEALED).exists()


def test_an_operator_hides_and_shows_it_by_command(families: Organization) -> None:
    out = StringIO()

    call_command("hide_organization", families.slug, stdout=out)

    assert Organization.objects.get(pk=families.pk).is_hidden
    assert "hidden" in out.getvalue()
    call_command("hide_organization", families.slug, "--reveal", stdout=out)
    assert not Organization.objects.get(pk=families.pk).is_hidden
