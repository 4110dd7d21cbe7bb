"""Times are typed in the event's own zone and shown in it, with the viewer's own time beside it.

Two consultations in Geneva (Europe/Zurich) at 10:00 local time, one on each side of the night Switzerland
changes to summer time (29 March 2026): 09:00 UTC on 28 March, 08:00 UTC on 30 March. Turkey keeps UTC+3 all
year, so a viewer in Istanbul sees 12:00 on the first day and 11:00 on the second."""

from __future__ import annotations

import datetime
import html
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import formats, translation

from events.models import Event
from portal.models import User
from tests.events.conftest import API, client_for, event_form, member, unfolded
from tests.factories import UserFactory, host_organization, make_coordinator

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
GENEVA = zoneinfo.ZoneInfo("Europe/Zurich")
ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")
Send = Callable[..., Any]
BEFORE = "Consultation before the change to summer time"
AFTER = "Consultation after the change to summer time"


@pytest.fixture
def events(send: Send) -> dict[str, Event]:
    """Both consultations, scheduled through the form by a coordinator whose own zone is neither
    Geneva's nor the server's (the form must read the times in the event's zone)."""
    coordinator = make_coordinator(time_zone="Asia/Tokyo")
    client = client_for(coordinator)
    for title, day in ((BEFORE, "2026-03-28"), (AFTER, "2026-03-30")):
        data = event_form(
            host_organization(),
            title_en=title,
            visibility=Event.Visibility.PUBLIC,
            time_zone="Europe/Zurich",
            starts_at=f"{day}T10:00",
            ends_at=f"{day}T12:30",
        )
        response = send(client, "/en/events/new/", data)
        assert response.status_code == 302, response.context["form"].errors
    return {"before": Event.objects.get(title_en=BEFORE), "after": Event.objects.get(title_en=AFTER)}


@pytest.fixture
def istanbul_viewer() -> User:
    return UserFactory(email="hevi@example.org", time_zone="Europe/Istanbul")


def test_local_times_are_stored_as_the_right_instants(events: dict[str, Event]) -> None:
    assert events["before"].starts_at == datetime.datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    assert events["before"].ends_at == datetime.datetime(2026, 3, 28, 11, 30, tzinfo=UTC)
    assert events["after"].starts_at == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert events["after"].ends_at == datetime.datetime(2026, 3, 30, 10, 30, tzinfo=UTC)
    assert {event.time_zone for event in events.values()} == {"Europe/Zurich"}


def when(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """`moment` as the page writes it in the current language, in `zone`."""
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


@pytest.mark.parametrize(("key", "istanbul_hour"), [("before", 12), ("after", 11)])
def test_the_page_shows_the_events_time_and_the_viewers(
    events: dict[str, Event], istanbul_viewer: User, key: str, istanbul_hour: int
) -> None:
    event = events[key]

    content = html.unescape(client_for(istanbul_viewer).get(event.get_absolute_url()).content.decode())

    day = event.starts_at.astimezone(GENEVA).date()
    geneva_start = datetime.datetime.combine(day, datetime.time(10), tzinfo=GENEVA)
    offset = "+01:00" if key == "before" else "+02:00"
    assert f'<time datetime="{day.isoformat()}T10:00:00{offset}">{when(geneva_start, GENEVA)}</time>' in content
    assert "(Europe/Zurich)" in content
    start = event.starts_at.astimezone(ISTANBUL)
    assert (start.hour, start.minute) == (istanbul_hour, 0)
    with translation.override("en"):
        assert f"Your time: {when(event.starts_at, ISTANBUL)} – {when(event.ends_at, ISTANBUL)} (Europe/Istanbul)" in (
            content
        )


@pytest.mark.parametrize(
    ("key", "geneva", "istanbul"),
    [("before", "28 mars 2026 10:00", "28 mars 2026 12:00"), ("after", "30 mars 2026 10:00", "30 mars 2026 11:00")],
)
def test_the_french_page_writes_both_times_on_the_24_hour_clock(
    events: dict[str, Event], istanbul_viewer: User, key: str, geneva: str, istanbul: str
) -> None:
    content = html.unescape(client_for(istanbul_viewer).get(f"/fr/events/{events[key].slug}/").content.decode())

    assert f">{geneva}</time>" in content
    assert f"{istanbul} – " in content
    assert "(Europe/Istanbul)" in content


def test_a_viewer_in_the_events_zone_sees_no_second_time(events: dict[str, Event]) -> None:
    in_geneva = UserFactory(time_zone="Europe/Zurich")

    content = client_for(in_geneva).get(events["before"].get_absolute_url()).content.decode()

    assert "Your time" not in content


def test_the_edit_form_shows_the_times_as_typed(events: dict[str, Event]) -> None:
    organiser = member(host_organization(), "editor", time_zone="Europe/Istanbul")

    content = client_for(organiser).get(f"/en/events/{events['after'].slug}/edit/").content.decode()

    assert 'value="2026-03-30T10:00"' in content
    assert 'value="2026-03-30T12:30"' in content


@pytest.mark.parametrize(("key", "day"), [("before", "20260328"), ("after", "20260330")])
def test_the_ics_keeps_the_events_zone_with_its_definition(events: dict[str, Event], key: str, day: str) -> None:
    response = client_for().get(f"/en/events/{events[key].slug}/calendar.ics")

    content = unfolded(response.content)
    assert f"DTSTART;TZID=Europe/Zurich:{day}T100000\r\n" in content
    assert f"DTEND;TZID=Europe/Zurich:{day}T123000\r\n" in content
    timezone_block = content.split("BEGIN:VTIMEZONE\r\n", 1)[1].split("END:VTIMEZONE\r\n", 1)[0]
    assert "TZID:Europe/Zurich\r\n" in timezone_block
    # The definition knows both offsets, so a calendar converts either side of the change correctly.
    assert "TZOFFSETTO:+0100\r\n" in timezone_block
    assert "TZOFFSETTO:+0200\r\n" in timezone_block


def test_the_api_gives_the_instants(events: dict[str, Event]) -> None:
    rows = {row["title"]: row for row in client_for().get(API).json()["results"]}

    def instant(value: str) -> datetime.datetime:
        return datetime.datetime.fromisoformat(value).astimezone(UTC)

    assert instant(rows[BEFORE]["starts_at"]) == datetime.datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    assert instant(rows[AFTER]["starts_at"]) == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert instant(rows[AFTER]["ends_at"]) == datetime.datetime(2026, 3, 30, 10, 30, tzinfo=UTC)
    assert rows[BEFORE]["time_zone"] == rows[AFTER]["time_zone"] == "Europe/Zurich"


def test_agenda_sessions_are_typed_in_the_events_zone(events: dict[str, Event], send: Send) -> None:
    organiser = member(host_organization(), "editor", time_zone="Europe/Istanbul")
    event = events["after"]

    send(
        client_for(organiser),
        f"/en/events/{event.slug}/sessions/",
        {"title": "Opening", "starts_at": "2026-03-30T10:00", "ends_at": "2026-03-30T11:00"},
    )

    session = event.sessions.get()
    assert session.starts_at == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
