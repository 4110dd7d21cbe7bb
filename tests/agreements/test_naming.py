"""The naming rule for the parties to an agreement (DESIGN.md, "Visibility"; issue 21): a party is named to the
public only with its own consent. Being listed in the directory is consent to be named in general; a party that
is not listed is named only once one of its owners chose it (asking to accede, or confirming on the agreement's
page); a coordinator's tick does not name it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.test import Client, TestCase

from agreements import services
from agreements.models import AccessionRequest, Agreement, AgreementParty
from organizations.models import Membership, Organization
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    AccessionRequestFactory,
    AgreementFactory,
    AgreementPartyFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    host_organization,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

QUIET = "Quiet Witnesses Association"
LISTED = "Syrians for Truth and Justice"


@dataclass
class World:
    protocol: Agreement
    coordinator: User
    quiet: Organization  # verified, not listed
    quiet_owner: User
    quiet_editor: User
    listed: Organization
    listed_owner: User


@pytest.fixture
def world(db: None) -> World:
    iiim = host_organization()
    quiet = OrganizationFactory(name_en=QUIET, name_ar="", acronym="QWA", slug="quiet-witnesses", listed_publicly=False)
    listed = OrganizationFactory(name_en=LISTED, name_ar="", acronym="STJ", slug="stj")
    return World(
        protocol=AgreementFactory(owner=iiim, slug="iiim-protocol", accepts_accessions=True),
        coordinator=make_coordinator(Membership.Role.EDITOR, iiim, email="lina@iiim.example.org"),
        quiet=quiet,
        quiet_owner=person(quiet, Membership.Role.OWNER, email="owner@quiet.example.org", preferred_language="ar"),
        quiet_editor=person(quiet, Membership.Role.EDITOR, email="editor@quiet.example.org"),
        listed=listed,
        listed_owner=person(listed, Membership.Role.OWNER, email="owner@stj.example.org"),
    )


def person(organization: Organization, role: str, **fields: Any) -> User:
    return MembershipFactory(user=UserFactory(**fields), organization=organization, role=role).user


def client_for(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def post(user: User, path: str, data: dict[str, Any] | None = None) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client_for(user).post(path, data or {}, follow=True)


def page(agreement: Agreement, user: User | None = None) -> str:
    response = client_for(user).get(f"/en/agreements/{agreement.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def public_text(agreement: Agreement) -> str:
    """What the public reads about the parties: the page, the printable summary and the API."""
    api = client_for().get(f"/api/v1/agreements/{agreement.slug}/").content.decode()
    return "\n".join([page(agreement), services.agreement_summary_html(agreement, "en"), api])


def add_party(world: World, organization: Organization, *, named: bool = True) -> AgreementParty:
    data = {"organization": organization.pk, "joined_on": "2018-04-03", "joined_by": "original"}
    if named:
        data["named_publicly"] = "on"
    post(world.coordinator, f"/en/agreements/{world.protocol.slug}/parties/", data)
    return AgreementParty.objects.get(agreement=world.protocol, organization=organization)


def choose(user: User, party: AgreementParty, action: str) -> str:
    response = post(user, f"/en/agreements/{party.agreement.slug}/parties/{party.pk}/{action}/")
    return response.content.decode()


def named_publicly(party: AgreementParty) -> bool:
    return AgreementParty.objects.filter(pk=party.pk).visible_to(None).exists()


def test_unlisted_party_added_as_named_by_a_coordinator_is_not_named(world: World) -> None:
    add_party(world, world.quiet)

    text = public_text(world.protocol)

    assert QUIET not in text
    assert world.quiet.slug not in text


def test_listed_party_added_as_named_by_a_coordinator_is_named(world: World) -> None:
    add_party(world, world.listed)

    assert public_text(world.protocol).count(LISTED) >= 3


def test_the_owners_of_an_unlisted_party_are_asked_in_their_language(world: World) -> None:
    add_party(world, world.quiet)

    [message] = [message for message in mail.outbox if message.to == [world.quiet_owner.email]]
    assert f"/ar/agreements/{world.protocol.slug}/" in message.body
    assert "لا تُذكر علنًا حتى يؤكد ذلك أحد مالكيها" in message.body
    assert not [message for message in mail.outbox if world.quiet_editor.email in message.to]


def test_the_coordinators_form_says_that_the_organization_will_be_asked(world: World) -> None:
    response = client_for(world.coordinator).get(f"/en/agreements/{world.protocol.slug}/parties/")

    assert "its owners are asked by email" in response.content.decode()


def test_owner_confirms_on_the_agreement_page_and_is_named(world: World) -> None:
    party = add_party(world, world.quiet)
    assert "Name us publicly" in page(world.protocol, world.quiet_owner)

    choose(world.quiet_owner, party, "name")

    assert public_text(world.protocol).count(QUIET) >= 3
    party.refresh_from_db()
    assert (party.naming_consent, party.naming_consent_by) == ("owner", world.quiet_owner)
    assert party.naming_consent_at is not None


def test_owner_names_a_party_added_as_unnamed(world: World) -> None:
    party = add_party(world, world.quiet, named=False)

    choose(world.quiet_owner, party, "name")

    assert named_publicly(party)


def test_owner_of_a_listed_party_withdraws_its_name(world: World) -> None:
    party = add_party(world, world.listed)

    text = choose(world.listed_owner, party, "unname")

    assert LISTED not in public_text(world.protocol)
    assert "It is counted but not named publicly." in text


def test_owner_of_an_unlisted_party_stays_unnamed(world: World) -> None:
    party = add_party(world, world.quiet)

    choose(world.quiet_owner, party, "unname")

    party.refresh_from_db()
    assert not party.named_publicly
    assert "Name us publicly" in page(world.protocol, world.quiet_owner), "it may still choose to be named later"


def test_neither_an_editor_of_the_party_nor_the_coordinator_can_confirm(world: World) -> None:
    party = add_party(world, world.quiet)
    assert "Name us publicly" not in page(world.protocol, world.quiet_editor)

    for outsider in (world.quiet_editor, world.coordinator):
        choose(outsider, party, "name")

    assert not named_publicly(party)


def test_accession_asked_by_the_owner_carries_the_owners_consent(world: World) -> None:
    post(
        world.quiet_owner,
        f"/en/agreements/{world.protocol.slug}/accession/",
        {"organization": world.quiet.pk, "message": "", "named_publicly": "on"},
    )
    accession = AccessionRequest.objects.get(organization=world.quiet)

    post(world.coordinator, f"/en/agreements/{world.protocol.slug}/accession/{accession.pk}/", {"accept": "1"})

    party = AgreementParty.objects.get(agreement=world.protocol, organization=world.quiet)
    assert (party.naming_consent, party.naming_consent_by) == ("owner", world.quiet_owner)
    assert QUIET in public_text(world.protocol)


def test_migration_gives_parties_that_acceded_their_owners_consent(world: World) -> None:
    acceded = AgreementPartyFactory(
        agreement=world.protocol, organization=world.quiet, joined_by=AgreementParty.JoinedBy.ACCESSION
    )
    AccessionRequestFactory(
        agreement=world.protocol,
        organization=world.quiet,
        requested_by=world.quiet_owner,
        named_publicly=True,
        status=AccessionRequest.Status.ACCEPTED,
    )
    added = AgreementPartyFactory(agreement=world.protocol, organization=OrganizationFactory(listed_publicly=False))
    AgreementParty.objects.update(naming_consent="", naming_consent_by=None, naming_consent_at=None)

    importlib.import_module("agreements.migrations.0003_naming_consent").keep_owners_consent(apps, None)

    acceded.refresh_from_db()
    assert (acceded.naming_consent, acceded.naming_consent_by) == ("owner", world.quiet_owner)
    assert named_publicly(acceded)
    assert not named_publicly(added)
