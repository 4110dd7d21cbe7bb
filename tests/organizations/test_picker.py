"""The organisation picker (organizations.picker), as the coordinator of an event uses it to invite organisations
among thousands (issue 17, item 6): filters in a GET form, results to tick, "invite all N matching", and only
organisations the coordinator may see offered."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from events.models import Event, EventSeries, Invitation, Registration
from organizations import services as organization_services
from organizations.models import Membership, Organization, Topic
from organizations.picker import OrganizationPicker, candidates
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    EventFactory,
    MembershipFactory,
    NetworkMembershipFactory,
    OrganizationFactory,
    RegistrationFactory,
    host_organization,
    make_coordinator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator() -> User:
    return make_coordinator(Membership.Role.EDITOR)


@pytest.fixture
def event() -> Event:
    return EventFactory(visibility=Event.Visibility.CLOSED, registration_mode=Event.RegistrationMode.INVITATION)


def names(coordinator: User, **filters: str) -> list[str]:
    # In English, whatever language an earlier test's request left active (the factories name in Arabic too).
    return sorted(organization.name_en for organization in OrganizationPicker(filters, who=coordinator).matching())


def manage(coordinator: User, event: Event) -> str:
    return f"/en/events/{event.slug}/manage/"


def test_only_verified_organisations_the_coordinator_may_see_are_offered(coordinator: User) -> None:
    OrganizationFactory(name_en="Listed Association")
    OrganizationFactory(name_en="Unlisted Association", listed_publicly=False)
    OrganizationFactory(name_en="Pending Association", status=Organization.Status.PENDING, verified_at=None)
    hidden = OrganizationFactory(name_en="Hidden Association")
    organization_services.hide_organization(None, hidden)
    plain_member = MembershipFactory(organization=OrganizationFactory(name_en="Own Association")).user

    offered = names(coordinator, q="association")

    assert offered == ["Listed Association", "Own Association", "Unlisted Association"]
    # The rule decides: someone who may see only the directory and their own is offered only those.
    assert sorted(o.name_en for o in candidates(plain_member).search("association")) == [
        "Listed Association",
        "Own Association",
    ]


def test_filters_by_name_country_and_focus_area(coordinator: User) -> None:
    documentation = Topic.objects.get_or_create(slug="documentation", defaults={"name": "Documentation"})[0]
    stj = OrganizationFactory(name_en="Syrians for Truth and Justice", hq_country="FR")
    stj.topics.add(documentation)
    OrganizationFactory(name_en="Caesar Families Association", hq_country="DE", countries=["TR"])

    assert names(coordinator, q="truth") == ["Syrians for Truth and Justice"]
    assert names(coordinator, country="TR") == ["Caesar Families Association"]
    assert names(coordinator, topic="documentation") == ["Syrians for Truth and Justice"]


def test_filters_by_confirmed_membership_of_a_network(coordinator: User) -> None:
    link = NetworkMembershipFactory(member__name_en="Confirmed Member", network__name_en="Truth and Justice Charter")
    NetworkMembershipFactory(network=link.network, member__name_en="Proposed Member", confirmed=False)

    assert names(coordinator, network=link.network.slug) == ["Confirmed Member"]


def test_filters_by_the_parties_to_a_protocol_the_rule_shows(coordinator: User) -> None:
    protocol = AgreementFactory(slug="protocol-of-cooperation")
    AgreementPartyFactory(agreement=protocol, organization__name_en="Named Signatory")
    AgreementPartyFactory(agreement=protocol, organization__name_en="Unnamed Signatory", named_publicly=False)
    other_host = OrganizationFactory(name_en="Office of the Special Envoy", is_host=True)
    outside_coordinator = make_coordinator(Membership.Role.EDITOR, organization=other_host)

    # The protocol's keepers know every party; another host's coordinator only those named publicly.
    assert names(coordinator, protocol=protocol.slug) == ["Named Signatory", "Unnamed Signatory"]
    assert names(outside_coordinator, protocol=protocol.slug) == ["Named Signatory"]


def test_filters_by_working_group_and_by_attendance_of_a_past_meeting_of_the_series(coordinator: User) -> None:
    group = EventSeries.objects.create(
        owner=host_organization(), slug="lausanne-platform", title="Lausanne Platform", is_working_group=True
    )
    group.members.add(OrganizationFactory(name_en="Working Group Member"))
    past = EventFactory(series=group, starts_at=timezone.now() - datetime.timedelta(days=200))
    past.ends_at = past.starts_at + datetime.timedelta(hours=3)
    past.save()
    RegistrationFactory(
        event=past, organization=OrganizationFactory(name_en="Attended Before"), status=Registration.Status.ATTENDED
    )
    RegistrationFactory(event=past, organization=OrganizationFactory(name_en="Registered, Absent"))

    assert names(coordinator, working_group="lausanne-platform") == ["Working Group Member"]
    assert names(coordinator, attended="lausanne-platform") == ["Attended Before"]


def test_an_invalid_filter_matches_nothing(coordinator: User) -> None:
    OrganizationFactory()

    assert names(coordinator, topic="no-such-topic") == []


def test_the_page_searches_without_script_and_leaves_out_those_already_invited(coordinator: User, event: Event) -> None:
    invited = OrganizationFactory(name_en="Already Invited Association")
    Invitation.objects.create(event=event, organization=invited)
    OrganizationFactory(name_en="Free Association")

    page = sign_in(Client(), coordinator).get(manage(coordinator, event), {"q": "association"}).content.decode()

    assert '<form method="get" class="picker-filters"' in page
    assert "Free Association" in page
    assert 'name="organizations" value="' in page
    assert "1 organisation matches." in page
    assert '<input type="hidden" name="q" value="association">' in page
    # In the table of invitations, not offered again.
    assert f'name="organizations" value="{invited.pk}"' not in page
    assert "Already Invited Association" in page


def test_invite_all_matching_invites_exactly_those(coordinator: User, event: Event) -> None:
    for name in ("Families Association", "Detainees Families", "Unrelated Group"):
        OrganizationFactory(name_en=name)

    response = sign_in(Client(), coordinator).post(
        manage(coordinator, event), {"q": "families", "seats": "2", "invite": "all"}, follow=True
    )

    assert "2 organisations invited." in response.content.decode()
    assert sorted(Invitation.objects.filter(event=event).values_list("organization__name_en", flat=True)) == [
        "Detainees Families",
        "Families Association",
    ]


def test_invite_all_with_an_invalid_filter_invites_nobody(coordinator: User, event: Event) -> None:
    OrganizationFactory()

    sign_in(Client(), coordinator).post(
        manage(coordinator, event), {"topic": "no-such-topic", "seats": "2", "invite": "all"}, follow=True
    )

    assert not Invitation.objects.filter(event=event).exists()


def test_ticked_organisations_must_be_ones_the_coordinator_may_see(coordinator: User, event: Event) -> None:
    draft = OrganizationFactory(status=Organization.Status.DRAFT, verified_at=None)

    response = sign_in(Client(), coordinator).post(
        manage(coordinator, event), {"organizations": [draft.pk], "seats": "2", "invite": "chosen"}
    )

    assert response.status_code == 200
    assert not Invitation.objects.filter(event=event).exists()


def test_the_number_of_queries_does_not_grow_with_the_results(coordinator: User, event: Event) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = sign_in(Client(), coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(manage(coordinator, event)).status_code == 200
        return len(captured)

    OrganizationFactory.create_batch(3)
    few = queries()
    OrganizationFactory.create_batch(40)

    assert queries() == few


def test_invite_all_needs_a_filter(coordinator: User, event: Event) -> None:
    OrganizationFactory(name_en="Solo Association")
    client = sign_in(Client(), coordinator)

    response = client.post(manage(coordinator, event), {"seats": "2", "invite": "all"})

    assert "Choose a filter before inviting all those matching." in response.content.decode()
    assert not Invitation.objects.filter(event=event).exists()
    assert 'name="invite" value="all"' not in client.get(manage(coordinator, event)).content.decode()
    assert 'name="invite" value="all"' in client.get(manage(coordinator, event), {"q": "solo"}).content.decode()
