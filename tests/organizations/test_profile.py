"""An organisation's profile: the networks it belongs to and its member organisations, each named only to readers
who may see it, and what is shared between readers (organizations/views.py, detail)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement
from organizations.models import Organization
from tests.conftest import sign_in
from tests.factories import (
    AgreementPartyFactory,
    MembershipFactory,
    NetworkMembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def profile(organization: Organization, client: Client | None = None) -> str:
    return (client or Client()).get(organization.get_absolute_url()).content.decode()


def test_a_profile_names_the_networks_and_members_its_reader_may_see() -> None:
    families = OrganizationFactory(name_en="Caesar Families Association")
    coalition = NetworkMembershipFactory(member=families, network__name_en="Syrian Justice Coalition").network
    closed = NetworkMembershipFactory(
        member=families, network__name_en="Closed Circle Network", network__listed_publicly=False
    ).network
    NetworkMembershipFactory(member=families, network__name_en="Unconfirmed Network", confirmed=False)
    insider = UserFactory()
    MembershipFactory(user=insider, organization=closed)

    public, inside = profile(families), profile(families, sign_in(Client(), insider))

    assert "Syrian Justice Coalition" in public and "Syrian Justice Coalition" in inside
    assert "Closed Circle Network" not in public and "Closed Circle Network" in inside
    assert "Unconfirmed Network" not in public + inside
    assert "Caesar Families Association" in profile(coalition)


def test_a_member_that_is_not_listed_is_not_named_on_its_networks_profile() -> None:
    network = OrganizationFactory(kind=Organization.Kind.NETWORK)
    NetworkMembershipFactory(network=network, member__name_en="Listed Member")
    NetworkMembershipFactory(network=network, member__name_en="Unlisted Member", member__listed_publicly=False)

    page = profile(network)

    assert "Listed Member" in page and "Unlisted Member" not in page


def test_links_and_agreements_made_after_a_profile_was_read_show_at_once_to_those_who_may_see_them() -> None:
    """The profile's links, and whether it has agreements at all, are shared by its readers: a new one is not
    hidden by what the first reader left behind, and a confidential one reaches only its parties' owners."""
    families = OrganizationFactory(name_en="Caesar Families Association")
    owner = UserFactory()
    MembershipFactory(user=owner, organization=families, role="owner")
    insider = sign_in(Client(), owner)
    assert "Syrian Justice Coalition" not in profile(families) + profile(families, insider)

    NetworkMembershipFactory(member=families, network__name_en="Syrian Justice Coalition")
    AgreementPartyFactory(
        organization=families,
        agreement__title_en="Confidential Memorandum of Understanding",
        agreement__visibility=Agreement.Visibility.CONFIDENTIAL,
    )
    public, inside = profile(families), profile(families, insider)

    assert "Syrian Justice Coalition" in public and "Syrian Justice Coalition" in inside
    assert "Confidential Memorandum of Understanding" in inside
    outsider = profile(families, sign_in(Client(), UserFactory()))
    assert "Confidential Memorandum of Understanding" not in public + outsider


def test_a_profiles_queries_do_not_grow_with_its_links() -> None:
    network = OrganizationFactory(kind=Organization.Kind.NETWORK)
    client = sign_in(Client(), UserFactory())
    NetworkMembershipFactory(network=network)
    client.get(network.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(network.get_absolute_url())

    NetworkMembershipFactory.create_batch(6, network=network)
    NetworkMembershipFactory.create_batch(3, member=network)
    client.get(network.get_absolute_url())
    with CaptureQueriesContext(connection) as many:
        page = client.get(network.get_absolute_url()).content.decode()

    assert page.count('<li><a href="/en/organizations/') >= 10
    assert len(many) == len(few)
