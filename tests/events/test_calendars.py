"""The month calendar and the iCalendar files answer odd input clearly: a month the calendar cannot show gets a
400 page that says which months it can, and a title or name with a line break still makes a valid file. And the
files work in every calendar app: the page's address in URL and DESCRIPTION, the link (for those who may see it)
in DESCRIPTION and CONFERENCE, the street address in LOCATION, SEQUENCE and LAST-MODIFIED, STATUS:CANCELLED."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from events import services
from events.models import Event, Registration
from organizations.models import Membership, Organization
from tests.events.conftest import client_for, member
from tests.factories import EventFactory, OrganizationFactory, RegistrationFactory, UserFactory
from tests.security.bidi import store_as_old_rows_are

pytestmark = pytest.mark.django_db

CANNOT_SHOW = "This calendar cannot show that month."


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2025-13", "2025-00", "-1", "1e9", "２０２５-０３", "2025-3"])
def test_a_month_the_calendar_cannot_show_gets_a_clear_400(month: str) -> None:
    response = Client().get("/en/events/", {"view": "month", "month": month})

    assert response.status_code == 400
    assert CANNOT_SHOW in response.content.decode()


@pytest.mark.parametrize(("month", "heading"), [("0002-01", "January 0002"), ("9998-12", "December 9998")])
def test_the_first_and_last_months_shown_link_no_further(month: str, heading: str) -> None:
    response = Client().get("/en/events/", {"view": "month", "month": month})

    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in page
    assert ('rel="prev"' in page) == (month != "0002-01")
    assert ('rel="next"' in page) == (month != "9998-12")


def test_without_a_month_the_calendar_shows_this_one() -> None:
    today = datetime.date.today()

    response = Client().get("/en/events/", {"view": "month", "month": ""})

    assert response.status_code == 200
    assert f"<h1>{today:%B %Y}</h1>" in response.content.decode()


def month_cells(page: str) -> dict[int, str]:
    """The month's own days (not the neighbouring months' shown around them), each with its cell's content."""
    cells = re.findall(r'<td class="">\s*<span class="month__day">(\d+)</span>(.*?)</td>', page, re.S)
    return {int(day): content for day, content in cells}


def test_the_month_places_an_event_on_its_day_where_it_is_held_and_where_the_reader_is() -> None:
    # Half past midnight in Geneva on 5 March is still 4 March in UTC, and 4 March in New York.
    zurich = datetime.datetime(2027, 3, 5, 0, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich"))
    event = EventFactory(
        title_en="Night session of the platform", starts_at=zurich, ends_at=zurich + datetime.timedelta(hours=2)
    )
    in_new_york = UserFactory(time_zone="America/New_York")

    visitor = month_cells(Client().get("/en/events/", {"view": "month", "month": "2027-03"}).content.decode())
    reader = month_cells(
        client_for(in_new_york).get("/en/events/", {"view": "month", "month": "2027-03"}).content.decode()
    )

    assert event.title_en in visitor[5]
    assert event.title_en not in visitor[4]
    assert event.title_en in reader[4]
    assert event.title_en not in reader[5]


def test_an_event_title_with_a_line_break_still_makes_a_calendar_file() -> None:
    event = EventFactory()
    # Written before titles were cleaned of line breaks, as an old row may hold it.
    store_as_old_rows_are(Event, event.pk, title_en="Consultation\r\non victims' participation")

    response = Client().get(f"/en/events/{event.slug}/calendar.ics")

    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    [component] = calendar.walk("VEVENT")
    assert str(component["summary"]) == "Consultation\non victims' participation"
    assert str(calendar["x-wr-calname"]) == "Consultation on victims' participation"


def test_an_organisation_name_with_a_line_break_still_makes_a_feed() -> None:
    organization = OrganizationFactory()
    owner = member(organization, Membership.Role.OWNER)
    token = services.reset_calendar_feed(owner, organization=organization)
    store_as_old_rows_are(Organization, organization.pk, name_en="Syrians for Truth\nand Justice")

    response = Client().get(f"/en/events/feeds/{token}.ics")

    assert response.status_code == 200
    assert str(icalendar.Calendar.from_ical(response.content)["x-wr-calname"]) == "Syrians for Truth and Justice"


# What every calendar app needs (issue 17): parsed with icalendar, as a calendar app reads the file.

LINK = "https://meet.example.org/lausanne-platform"


def entry(client: Client, event: Event) -> icalendar.Event:
    response = client.get(f"/en/events/{event.slug}/calendar.ics")
    assert response.status_code == 200
    [component] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    return component


@pytest.fixture
def hybrid() -> Event:
    return EventFactory(
        format=Event.Format.HYBRID,
        description_en="The biannual meeting of the Lausanne Platform.",
        street_address="Avenue de la Paix 8\n1202 Genève",
        online_link=LINK,
        # Released (Event.SEE_LINK): before that time nobody but the organisers gets the link.
        link_release_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def test_before_its_release_time_a_confirmed_participant_gets_no_link(hybrid: Event) -> None:
    Event.objects.filter(pk=hybrid.pk).update(link_release_at=timezone.now() + datetime.timedelta(days=1))
    participant = RegistrationFactory(event=hybrid, status=Registration.Status.CONFIRMED).user

    component = entry(client_for(participant), hybrid)

    assert LINK not in str(component["description"])
    assert "conference" not in component
    assert "Avenue de la Paix 8" in str(component["location"])


def test_the_event_page_is_in_url_and_in_the_description(hybrid: Event) -> None:
    page = f"http://127.0.0.1:8000/en/events/{hybrid.slug}/"

    component = entry(Client(), hybrid)

    assert str(component["url"]) == page
    assert component["url"].params.get("VALUE", "URI") == "URI"
    description = str(component["description"])
    assert description.startswith("The biannual meeting of the Lausanne Platform.")
    assert f"Event page: {page}" in description


def test_a_confirmed_participant_gets_the_link_in_description_and_conference_and_the_address(hybrid: Event) -> None:
    participant = RegistrationFactory(event=hybrid, status=Registration.Status.CONFIRMED).user

    component = entry(client_for(participant), hybrid)

    assert f"Online meeting: {LINK}" in str(component["description"])
    conference = component["conference"]
    assert str(conference) == LINK
    assert conference.params["VALUE"] == "URI"
    assert conference.params["FEATURE"] == ["AUDIO", "VIDEO"]
    assert conference.params["LABEL"] == "Online meeting"
    assert str(component["location"]) == "Palais des Nations, Geneva, Switzerland, Avenue de la Paix 8 1202 Genève"


@pytest.mark.parametrize("status", [None, Registration.Status.WAITLISTED, Registration.Status.PENDING])
def test_others_get_neither_link_nor_street_address(hybrid: Event, status: str | None) -> None:
    person = RegistrationFactory(event=hybrid, status=status).user if status else None

    component = entry(client_for(person), hybrid)

    assert "conference" not in component
    assert LINK not in str(component["description"])
    assert str(component["location"]) == "Palais des Nations, Geneva, Switzerland"


def test_the_file_is_in_the_readers_language(hybrid: Event) -> None:
    participant = RegistrationFactory(event=hybrid, status=Registration.Status.CONFIRMED).user
    response = client_for(participant).get(f"/fr/events/{hybrid.slug}/calendar.ics")

    [component] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")

    assert "Page de l’événement" in str(component["description"])
    assert component["conference"].params["LABEL"] == "Réunion en ligne"


def _saved(event: Event, **changes: object) -> Event:
    for name, value in changes.items():
        setattr(event, name, value)
    return services.save_event(UserFactory(), event)


def test_sequence_and_last_modified_follow_changes_of_time_place_and_status(hybrid: Event) -> None:
    an_hour_ago = hybrid.updated_at.replace(microsecond=0) - datetime.timedelta(hours=1)
    Event.objects.filter(pk=hybrid.pk).update(updated_at=an_hour_ago)
    first = entry(Client(), hybrid)
    assert first["sequence"] == 0
    assert first["last-modified"].dt == an_hour_ago

    _saved(hybrid, description_en="A new description.")
    assert entry(Client(), hybrid)["sequence"] == 0  # the wording is no new revision for a calendar

    _saved(hybrid, starts_at=hybrid.starts_at + datetime.timedelta(hours=1))
    _saved(hybrid, venue="Maison de la Paix")
    _saved(hybrid, online_link="https://meet.example.org/moved")
    updated = entry(Client(), hybrid)

    assert updated["sequence"] == 3
    assert updated["last-modified"].dt > first["last-modified"].dt


def test_a_cancelled_event_is_cancelled_in_the_calendar_with_a_new_revision(hybrid: Event) -> None:
    _saved(hybrid, status=Event.Status.CANCELLED)

    component = entry(Client(), hybrid)

    assert component["status"] == "CANCELLED"
    assert component["sequence"] == 1


def test_a_public_event_page_offers_a_webcal_subscription(hybrid: Event) -> None:
    page = Client().get(f"/en/events/{hybrid.slug}/").content.decode()

    assert f'href="webcal://testserver/en/events/{hybrid.slug}/calendar.ics"' in page


def test_an_operators_change_in_the_admin_is_a_new_revision_too(hybrid: Event) -> None:
    from django.contrib import admin
    from django.test import RequestFactory

    from events.admin import EventAdmin

    hybrid.starts_at += datetime.timedelta(days=1)
    hybrid.ends_at += datetime.timedelta(days=1)
    EventAdmin(Event, admin.site).save_model(RequestFactory().post("/admin/"), hybrid, None, change=True)

    assert entry(Client(), hybrid)["sequence"] == 1
