"""The events list page, its month view and the API list take as many queries for 25 events as for 5: the
number of events must not multiply the queries (no query per row)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, EventSeries, Invitation, Registration, Session
from organizations.models import Membership, Organization
from portal.access import forget_viewer
from portal.models import User
from tests.events.conftest import API, client_for, member
from tests.factories import (
    EventFactory,
    InvitationFactory,
    OrganizationFactory,
    RegistrationFactory,
    UserFactory,
    host_organization,
)

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "no_organization", "participant", "organiser", "operator"]
# Tomorrow morning: an event of two hours that crossed midnight would fill two days of the month view.
START = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).replace(
    hour=10, minute=0, second=0, microsecond=0
)
PAGES = {
    "list_page": "/en/events/",
    "month_page": f"/en/events/?view=month&month={START:%Y-%m}",
    "api_list": API,
}


@dataclass
class World:
    h: Organization
    a: Organization
    series: EventSeries
    users: dict[str, User | None]


@pytest.fixture
def world() -> World:
    h = host_organization()
    a = OrganizationFactory(name_en="Syrians for Truth and Justice")
    return World(
        h=h,
        a=a,
        series=EventSeries.objects.create(owner=h, slug="lausanne-platform", title_en="Lausanne Platform"),
        users={
            "anonymous": None,
            "no_organization": UserFactory(),
            "participant": member(a, Membership.Role.MEMBER),
            "organiser": member(h, Membership.Role.EDITOR),
            "operator": UserFactory(is_staff=True, is_superuser=True),
        },
    )


def add_events(world: World, count: int) -> None:
    """`count` events of every visibility and two organisers, with an agenda, invitations and registrations:
    the participant confirmed at some, waitlisted at others."""
    other_host = OrganizationFactory(is_host=True)
    visibilities = list(Event.Visibility)
    for number in range(count):
        event = EventFactory(
            owner=world.h if number % 3 else other_host,
            series=world.series if number % 2 else None,
            visibility=visibilities[number % 3],
            format=Event.Format.HYBRID,
            online_link="https://meet.example.org/room",
            street_address="Rue de la Paix 1",
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=2),
        )
        Session.objects.create(event=event, title="Opening", starts_at=event.starts_at, ends_at=event.ends_at)
        invitation = InvitationFactory(event=event, organization=world.a, status=Invitation.Status.ACCEPTED)
        RegistrationFactory(
            event=event,
            user=world.users["participant"],
            invitation=invitation,
            status=Registration.Status.CONFIRMED if number % 2 else Registration.Status.WAITLISTED,
        )
        RegistrationFactory(event=event)


def queries(user: User | None, path: str) -> tuple[int, int]:
    """How many queries a fresh request for `path` takes, and how many events it shows."""
    client = client_for(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    if path.startswith(API):
        shown = len(response.json()["results"])
    else:
        shown = response.content.decode().count('href="/en/events/consultation-')
    return len(captured), shown


def visible_count(user: User | None) -> int:
    """As a new request would count them: the person's Viewer, kept for the rest of a request, read afresh."""
    if user is None:
        return Event.objects.visible_to(AnonymousUser()).count()
    forget_viewer(user)
    return Event.objects.visible_to(user).count()


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("viewer", VIEWERS)
def test_query_count_does_not_grow_with_events(world: World, viewer: str, page: str) -> None:
    user = world.users[viewer]
    add_events(world, 5)
    with_five, shown = queries(user, PAGES[page])
    assert shown == visible_count(user)

    add_events(world, 20)
    with_twenty_five, shown = queries(user, PAGES[page])
    assert shown == visible_count(user) > 5

    assert with_twenty_five == with_five


def test_an_event_under_way_added_after_the_list_was_read_is_listed(client: Client, db: None) -> None:
    EventFactory(title_en="Lausanne Platform, spring meeting")
    client.get("/en/events/")  # the earliest start of what is not over, now the spring meeting's, is shared
    now = timezone.now()
    EventFactory(
        title_en="Lausanne Platform, second day",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=1),
    )

    assert "Lausanne Platform, second day" in client.get("/en/events/").content.decode()
