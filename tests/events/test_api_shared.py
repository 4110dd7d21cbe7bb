"""A page of the events API is shared by every reader of the same events (events.api.EventListSerializer, encoded
once in pieces): each reader still gets only the logistics they may see (the address, the sessions' rooms, the
online link once released), whoever filled the page first, and a change shows at once."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from portal.models import User
from tests.conftest import sign_in
from tests.factories import EventFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/events/"
STREET = "Rue de Lausanne 12"
LINK = "https://meet.example.org/lausanne-platform"
ROOM = "https://meet.example.org/lausanne-platform-breakout"  # a session's room may be a meeting link


@pytest.fixture
def event() -> Event:
    return EventFactory(
        title_en="Lausanne Platform, spring session",
        format=Event.Format.HYBRID,
        street_address=STREET,
        online_link=LINK,
        link_release_at=timezone.now() - datetime.timedelta(hours=1),
    )


def row(user: User, slug: str) -> dict[str, object]:
    response = sign_in(Client(), user).get(API)
    assert response.status_code == 200
    return next(item for item in response.json()["results"] if item["slug"] == slug)


@pytest.mark.parametrize("participant_first", [True, False])
def test_logistics_go_to_participants_alone_whoever_read_the_page_first(event: Event, participant_first: bool) -> None:
    participant, reader = RegistrationFactory(event=event).user, UserFactory()

    if participant_first:
        theirs, other = row(participant, event.slug), row(reader, event.slug)
    else:
        other, theirs = row(reader, event.slug), row(participant, event.slug)

    assert theirs["street_address"] == STREET and theirs["online_link"] == LINK
    assert "street_address" not in other and "online_link" not in other


@pytest.mark.parametrize("participant_first", [True, False])
@pytest.mark.parametrize("released", [True, False])
def test_rooms_and_the_link_go_only_to_those_who_may_see_them(
    event: Event, participant_first: bool, released: bool
) -> None:
    if not released:
        Event.objects.filter(pk=event.pk).update(link_release_at=timezone.now() + datetime.timedelta(days=1))
    SessionFactory(event=event, room=ROOM)
    participant, reader = RegistrationFactory(event=event).user, UserFactory()
    readers = [participant, reader] if participant_first else [reader, participant]

    rows = {user: row(user, event.slug) for user in readers}

    theirs, other = rows[participant], rows[reader]
    assert theirs["street_address"] == STREET
    assert [session["room"] for session in theirs["sessions"]] == [ROOM]
    assert theirs.get("online_link") == (LINK if released else None)
    assert "street_address" not in other and "online_link" not in other
    assert len(other["sessions"]) == 1 and "room" not in other["sessions"][0]
    assert ROOM not in str(other) and LINK not in str(other)


def test_a_second_reader_reads_no_event_rows_and_a_change_shows_at_once(event: Event) -> None:
    first, reader = UserFactory(), UserFactory()
    row(first, event.slug)

    with CaptureQueriesContext(connection) as queries:
        shared = row(reader, event.slug)
    Event.objects.filter(pk=event.pk).update(title_en="Lausanne Platform, autumn session")

    assert shared["title"] == "Lausanne Platform, spring session"
    assert not any('"events_event"."title_en"' in query["sql"] for query in queries.captured_queries)
    assert row(reader, event.slug)["title"] == "Lausanne Platform, autumn session"
