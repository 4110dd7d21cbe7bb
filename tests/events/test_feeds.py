"""Personal and organisation calendar feeds with revocable secrets (issue 17, item 4; issue 21, item 9).

Every signed-in person makes their own feed address on "Your calendar"; an organisation's owners make its own. The
address is a random token shown once and stored only as its SHA-256; resetting it kills the old one. What a feed
holds is decided at each request, as its holder stands now. The old signed addresses are gone (410)."""

from __future__ import annotations

import datetime
import hashlib
import re

import icalendar
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from events import services
from events.models import CalendarFeed, Event, Invitation
from organizations import services as organization_services
from organizations.models import Membership, Organization
from portal.models import User
from tests.events.conftest import client_for, member, text_of
from tests.factories import (
    EventFactory,
    InvitationFactory,
    OrganizationFactory,
    RegistrationFactory,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

CALENDAR = "/en/events/feeds/"
ADDRESS = re.compile(r'value="http://testserver/en/events/feeds/([A-Za-z0-9_-]+)\.ics"')


def titles(response: object) -> list[str]:
    return [str(entry["summary"]) for entry in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]


def make_address(client: Client, path: str = CALENDAR) -> str:
    """Press the button that makes (or resets) an address, and read it from the page it is shown on."""
    response = client.post(path, follow=True)
    assert response.status_code == 200
    found = ADDRESS.findall(response.content.decode())
    assert len(found) == 1, "the new address is shown, once"
    return found[0]


@pytest.fixture
def stj() -> Organization:
    return OrganizationFactory(name_en="Syrians for Truth and Justice")


@pytest.fixture
def closed(stj: Organization) -> Event:
    event = EventFactory(title_en="Closed consultation on detainee files", visibility=Event.Visibility.CLOSED)
    InvitationFactory(event=event, organization=stj, status=Invitation.Status.ACCEPTED)
    return event


def test_a_person_makes_an_address_seen_once_and_stored_only_hashed(stj: Organization, closed: Event) -> None:
    person = member(stj)
    client = client_for(person)
    assert "You have no calendar address yet." in text_of(client.get(CALENDAR))

    token = make_address(client)

    assert len(token) >= 40
    [feed] = CalendarFeed.objects.filter(user=person)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = client.get(CALENDAR).content.decode()
    assert token not in again
    assert "For your safety it was shown only once." in again
    assert closed.title in titles(Client().get(f"/en/events/feeds/{token}.ics"))


def test_the_page_offers_a_webcal_subscription(stj: Organization) -> None:
    response = client_for(member(stj)).post(CALENDAR, follow=True)

    token = ADDRESS.findall(response.content.decode())[0]
    assert f'href="webcal://testserver/en/events/feeds/{token}.ics"' in response.content.decode()


def test_resetting_kills_the_old_address(stj: Organization) -> None:
    client = client_for(member(stj))
    old = make_address(client)

    new = make_address(client)

    assert new != old
    assert Client().get(f"/en/events/feeds/{old}.ics").status_code == 404
    assert Client().get(f"/en/events/feeds/{new}.ics").status_code == 200


def test_a_person_removed_from_an_organisation_loses_its_closed_events_at_the_next_refresh(
    stj: Organization, closed: Event
) -> None:
    person = member(stj)
    owner = member(stj, Membership.Role.OWNER)
    path = f"/en/events/feeds/{services.reset_calendar_feed(person, user=person)}.ics"
    assert closed.title in titles(Client().get(path))

    organization_services.remove_member(owner, Membership.objects.get(user=person, organization=stj))

    assert closed.title not in titles(Client().get(path))


def test_feeds_are_never_kept_in_the_public_cache(stj: Organization, closed: Event) -> None:
    cache.clear()
    person = member(stj)
    path = f"/en/events/feeds/{services.reset_calendar_feed(person, user=person)}.ics"

    response, again = Client().get(path), Client().get(path)

    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert again.get("X-Public-Cache") != "hit"
    # An event page is cached for anonymous visitors: the cache is on, and passes the feeds by.
    event_page = f"/en/events/{EventFactory().slug}/"
    Client().get(event_page)
    assert Client().get(event_page).get("X-Public-Cache") == "hit"


def test_ones_registrations_come_first(stj: Organization) -> None:
    person = member(stj)
    earlier = EventFactory(title_en="Open briefing")
    later = EventFactory(title_en="Registered consultation", starts_at=earlier.starts_at.replace(year=2099))
    later.ends_at = later.starts_at + datetime.timedelta(hours=2)  # not "at 23:00": it may start then
    later.save()
    RegistrationFactory(event=later, user=person)

    feed = titles(Client().get(f"/en/events/feeds/{services.reset_calendar_feed(person, user=person)}.ics"))

    assert feed.index("Registered consultation") < feed.index("Open briefing")


def test_a_person_feed_carries_the_link_to_a_confirmed_participant_only() -> None:
    released = timezone.now() - datetime.timedelta(minutes=1)  # the link is out (Event.SEE_LINK)
    event = EventFactory(
        format=Event.Format.ONLINE, online_link="https://meet.example.org/briefing", link_release_at=released
    )
    participant = RegistrationFactory(event=event).user
    waiting = RegistrationFactory(event=event, status="waitlisted").user

    for person, shown in ((participant, True), (waiting, False)):
        response = Client().get(f"/en/events/feeds/{services.reset_calendar_feed(person, user=person)}.ics")
        [entry] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
        assert ("conference" in entry) == shown


def test_a_coordinators_feed_holds_no_coordinators_powers() -> None:
    """The feed passes no second factor, as an API token: a leaked address shows no drafts."""
    coordinator = make_coordinator()
    EventFactory(title_en="Draft consultation", status=Event.Status.DRAFT)
    EventFactory(title_en="Public consultation")

    feed = titles(Client().get(f"/en/events/feeds/{services.reset_calendar_feed(coordinator, user=coordinator)}.ics"))

    assert feed == ["Public consultation"]


def test_an_inactive_persons_feed_is_gone(stj: Organization) -> None:
    person = member(stj)
    path = f"/en/events/feeds/{services.reset_calendar_feed(person, user=person)}.ics"
    User.objects.filter(pk=person.pk).update(is_active=False)

    assert Client().get(path).status_code == 404


# Organisation feeds ------------------------------------------------------------------------------------


def test_an_owner_makes_the_organisations_address_and_members_are_told_to_ask(stj: Organization, closed: Event) -> None:
    owner = member(stj, Membership.Role.OWNER)
    colleague = member(stj, Membership.Role.EDITOR)
    reset = f"/en/events/feeds/organizations/{stj.slug}/"

    token = make_address(client_for(owner), reset)

    assert CalendarFeed.objects.get(organization=stj).token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert titles(Client().get(f"/en/events/feeds/{token}.ics")) == [closed.title]
    assert "Its owners make and reset its calendar address." in text_of(client_for(colleague).get(CALENDAR))
    assert client_for(colleague).post(reset).status_code == 404
    assert client_for(member(OrganizationFactory(), Membership.Role.OWNER)).post(reset).status_code == 404


def test_an_organisation_feed_never_carries_logistics(stj: Organization, closed: Event) -> None:
    closed.online_link = "https://meet.example.org/closed"
    closed.street_address = "Canary Street 13"
    closed.save()
    RegistrationFactory(event=closed, user=member(stj), organization=stj)

    response = Client().get(f"/en/events/feeds/{services.reset_calendar_feed(None, organization=stj)}.ics")

    assert b"meet.example.org" not in response.content
    assert b"Canary" not in response.content


def test_a_suspended_organisation_gets_no_feed(stj: Organization) -> None:
    path = f"/en/events/feeds/{services.reset_calendar_feed(None, organization=stj)}.ics"
    Organization.objects.filter(pk=stj.pk).update(status=Organization.Status.SUSPENDED)

    assert Client().get(path).status_code == 404


# The old signed addresses (issue 21, item 9) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "This calendar address no longer works"), ("fr", "Cette adresse de calendrier ne fonctionne plus")],
)
def test_an_old_signed_address_is_gone_with_a_page_saying_how_to_get_a_new_one(
    stj: Organization, language: str, heading: str
) -> None:
    # The shape of the old addresses: the organisation's slug and a signature of its id with the site's key.
    response = Client().get(f"/{language}/events/feeds/{stj.slug}/Xq3nQ4J9mQ2hYlVbN1hXrUq0S8E.ics")

    assert response.status_code == 410
    assert heading in response.content.decode()
    assert f'href="/{language}/events/feeds/"' in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_the_signing_code_is_gone() -> None:
    from events import calendar

    assert not hasattr(calendar, "feed_token")
    assert not hasattr(calendar, "feed_token_is_valid")


# Where people find it ----------------------------------------------------------------------------------


def test_the_navigation_and_the_account_pages_link_to_your_calendar(stj: Organization) -> None:
    client = client_for(member(stj))

    for path in ("/en/events/", "/en/accounts/preferences/"):
        assert 'href="/en/events/feeds/"' in client.get(path).content.decode(), path
    assert 'href="/en/events/feeds/"' not in Client().get("/en/events/").content.decode()
