"""A consultation's audience is one rule, `Consultation.audience_q`: the organisations `audience_organizations()`
lists (to count them, remind them and let their editors submit) are exactly those for which the rule, as the access
check asks it, holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import Consultation
from events.models import EventSeries
from organizations.models import Organization
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    ConsultationFactory,
    NetworkMembershipFactory,
    OrganizationFactory,
    host_organization,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """Organisations each on a different footing: a working group's member, a network's confirmed and proposed
    members, an agreement's signatory, one invited by name, one in nothing, and one not verified in everything."""
    host = host_organization()
    pending = OrganizationFactory(name_en="Pending", status=Organization.Status.PENDING, verified_at=None)
    group = EventSeries.objects.create(owner=host, slug="cssr", title="CSSR working group", is_working_group=True)
    member = OrganizationFactory(name_en="Working group member")
    group.members.add(member, pending, host)
    confirmed = NetworkMembershipFactory(member__name_en="Confirmed in network", network__name_en="Charter")
    network = confirmed.network
    NetworkMembershipFactory(network=network, member__name_en="Proposed in network", confirmed=False)
    NetworkMembershipFactory(network=network, member=pending)
    agreement = AgreementFactory(owner=host)
    AgreementPartyFactory(agreement=agreement, organization__name_en="Signatory")
    AgreementPartyFactory(agreement=agreement, organization=host)
    invited = OrganizationFactory(name_en="Invited by name")
    OrganizationFactory(name_en="In nothing")
    return {
        "verified": {},
        "working_group": {"working_group": group},
        "network": {"network": network},
        "agreement": {"agreement": agreement},
        "invited": {"invited": [invited, pending, host]},
    }


EXPECTED = {
    "working_group": {"Working group member"},
    "network": {"Confirmed in network"},
    "agreement": {"Signatory"},
    "invited": {"Invited by name"},
}


def make(audience: str, fields: dict[str, Any]) -> Consultation:
    invited = fields.pop("invited", [])
    consultation = ConsultationFactory(audience=audience, **fields)
    consultation.invited.add(*invited)
    return consultation


@pytest.mark.parametrize("audience", Consultation.Audience.values)
def test_audience_organizations_are_those_the_rule_asks(world: dict[str, Any], audience: str) -> None:
    consultation = make(audience, dict(world[audience]))
    asked = set(consultation.audience_organizations())

    # audience_q expects verified organisations, and a call never asks its host.
    verified = Organization.objects.verified().exclude(pk=consultation.host_id)
    held = {
        organization
        for organization in verified
        if Consultation.objects.filter(pk=consultation.pk).filter(Consultation.audience_q([organization.pk])).exists()
    }
    assert asked == held
    everyone_verified = {organization.name_en for organization in verified}
    assert {organization.name_en for organization in asked} == EXPECTED.get(audience, everyone_verified)
    assert not {"Pending", host_organization().name_en} & {organization.name_en for organization in asked}


@pytest.mark.parametrize("audience", ["working_group", "network", "agreement", "invited"])
def test_an_audience_without_its_group_asks_nobody(audience: str) -> None:
    OrganizationFactory()
    consultation = ConsultationFactory(audience=audience)

    assert not consultation.audience_organizations().exists()


@pytest.mark.parametrize("audience", Consultation.Audience.values)
def test_listing_the_audience_is_one_query(world: dict[str, Any], audience: str) -> None:
    consultation = make(audience, dict(world[audience]))

    with CaptureQueriesContext(connection) as captured:
        list(consultation.audience_organizations())

    assert len(captured) == 1
