"""The month calendar and the iCalendar files answer odd input clearly: a month the calendar cannot show gets a
400 page that says which months it can, and a title or name with a line break still makes a valid file."""

from __future__ import annotations

import datetime
import re

import icalendar
import pytest
from django.test import Client

from events.models import Event
from organizations.models import Membership, Organization
from tests.events.conftest import client_for, member
from tests.factories import EventFactory, OrganizationFactory
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
    user = member(organization, Membership.Role.MEMBER)
    store_as_old_rows_are(Organization, organization.pk, name_en="Syrians for Truth\nand Justice")
    feed = re.search(r"/en/events/feeds/\S+?\.ics", client_for(user).get("/en/events/").content.decode())
    assert feed, "the events page shows the organisation's feed to its member"

    response = Client().get(feed.group(0))

    assert response.status_code == 200
    assert str(icalendar.Calendar.from_ical(response.content)["x-wr-calname"]) == "Syrians for Truth and Justice"
