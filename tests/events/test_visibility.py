"""Who may see which consultation event, and its street address and online link, on every output: the page,
its .ics, the list and month pages, a person's and an organisation's calendar feeds and the API (DESIGN,
Visibility).

The IIIM (H, the organiser) holds a public, a members-only and a closed hybrid consultation, and has a draft
in preparation; organisation A is invited to all of them, B to none. The venue's street address and the
online link are canaries: they must reach confirmed participants, the organisers and operators, and nobody
else, not even unconfirmed invitees or people on the waiting list. The closed and draft events' titles are
canaries too."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import icalendar
import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.html import escape, strip_tags

from events import services
from events.models import Event, EventSeries, Invitation, Registration
from organizations.models import Membership, Organization
from portal.models import User
from tests.events.conftest import API, client_for, member, unfolded
from tests.factories import (
    EventDocumentFactory,
    EventFactory,
    InvitationFactory,
    OrganizationFactory,
    RegistrationFactory,
    UserFactory,
    host_organization,
)

pytestmark = pytest.mark.django_db

STREET = "Canary Street 13"
LINK = "https://meet.example.org/canary-link"
CLOSED_TITLE = "Closed canary consultation on detainee files"
DRAFT_TITLE = "Draft canary consultation"

ROLES = [
    "anonymous",
    "no_organization",
    "member_of_a",
    "editor_of_a",
    "owner_of_a",
    "owner_of_b",
    "participant",  # a delegate of A with a confirmed registration
    "waitlisted",  # a member of A on the waiting list
    "pending",  # a member of A whose expression of interest awaits an answer
    "cancelled",  # signed in, no organisation, whose registration was cancelled
    "member_of_h",  # a member of the organiser who is not one of its coordinators
    "organiser_editor",  # a coordinator of H
    "organiser_owner",
    "other_coordinator",  # an editor of another host organisation
    "operator",
]

INVITED_TO_CLOSED = {"member_of_a", "editor_of_a", "owner_of_a", "participant", "waitlisted", "pending"}
ORGANISERS = {"organiser_editor", "organiser_owner", "operator"}
VISIBLE = {
    "public": set(ROLES),
    "members": set(ROLES) - {"anonymous", "no_organization", "cancelled"},
    "closed": INVITED_TO_CLOSED | ORGANISERS,
    "draft": ORGANISERS,
}
# The street address and the online link.
LOGISTICS = {"participant"} | ORGANISERS
# Whose calendar feed each role reads (the feed of an organisation they belong to).
FEED_OF = {
    "member_of_a": "a",
    "editor_of_a": "a",
    "owner_of_a": "a",
    "participant": "a",
    "waitlisted": "a",
    "pending": "a",
    "owner_of_b": "b",
    "member_of_h": "h",
    "organiser_editor": "h",
    "organiser_owner": "h",
    "other_coordinator": "g",
}
# What an organisation's feed lists: the events any member of it may see (H is not invited to its own
# closed event, and a plain member of H may not see it).
IN_FEED = {"a": {"public", "members", "closed"}, "b": {"public", "members"}, "h": {"public", "members"}}
IN_FEED["g"] = IN_FEED["b"]
# A person's own feed is read as the rules answer them through an API token: no second factor, so no coordinator's
# or operator's powers. An organiser's feed is a plain member's of H, an operator's that of someone signed in.
PERSONAL_AS = {"organiser_editor": "member_of_h", "organiser_owner": "member_of_h", "operator": "no_organization"}


@dataclass
class World:
    organizations: dict[str, Organization]
    events: dict[str, Event]
    users: dict[str, User | None]
    # The secret address (token) of each organisation's feed, and of each signed-in person's
    feeds: dict[str, str]

    def client(self, role: str) -> Client:
        return client_for(self.users[role])


def hybrid_event(slug: str, title: str, **fields: object) -> Event:
    return EventFactory(
        slug=slug,
        title_en=title,
        format=Event.Format.HYBRID,
        registration_mode=Event.RegistrationMode.INVITATION,
        street_address=f"{STREET}\n1202 Geneva",
        online_link=LINK,
        # Released already: when the link appears has tests of its own (test_link_release.py).
        link_release_at=timezone.now() - datetime.timedelta(hours=1),
        **fields,
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module's hundreds of cases, in a transaction rolled back after the last of them;
    each test runs in a savepoint inside it, so whatever a test changes is undone after that test. Like the
    transaction Django's TestCase wraps around a test, it is the test's, not the portal's: pages read inside it are
    shared through the public cache as they would be in production (portal.publiccache.in_transaction)."""
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    with django_db_blocker.unblock(), block:
        yield build_world()
        transaction.set_rollback(True)


def build_world() -> World:
    h = host_organization()
    g = OrganizationFactory(
        name_en="Office of the UN Special Envoy for Syria", acronym="OSE", kind=Organization.Kind.UN_MECHANISM
    )
    g.is_host = True
    g.save(update_fields=["is_host"])
    a = OrganizationFactory(name_en="Syrians for Truth and Justice", acronym="STJ", slug="stj")
    b = OrganizationFactory(name_en="Families for Freedom", acronym="", slug="families-for-freedom")
    events = {
        "public": hybrid_event("public-consultation", "Public consultation on the Central Repository"),
        "members": hybrid_event(
            "members-briefing", "Briefing for members on witness protection", visibility=Event.Visibility.MEMBERS
        ),
        "closed": hybrid_event("closed-consultation", CLOSED_TITLE, visibility=Event.Visibility.CLOSED),
        "draft": hybrid_event("draft-consultation", DRAFT_TITLE, status=Event.Status.DRAFT),
    }
    users: dict[str, User | None] = {
        "anonymous": None,
        "no_organization": UserFactory(email="visitor@example.org"),
        "member_of_a": member(a, Membership.Role.MEMBER, email="member@stj.example.org"),
        "editor_of_a": member(a, Membership.Role.EDITOR, email="editor@stj.example.org"),
        "owner_of_a": member(a, Membership.Role.OWNER, email="owner@stj.example.org"),
        "owner_of_b": member(b, Membership.Role.OWNER, email="owner@freedom.example.org"),
        "participant": member(a, Membership.Role.MEMBER, email="delegate@stj.example.org", full_name="Delegate of STJ"),
        "waitlisted": member(a, Membership.Role.MEMBER, email="waiting@stj.example.org"),
        "pending": member(a, Membership.Role.MEMBER, email="hoping@stj.example.org"),
        "cancelled": UserFactory(email="cancelled@example.org"),
        "member_of_h": member(h, Membership.Role.MEMBER, email="intern@iiim.example.org"),
        "organiser_editor": member(h, Membership.Role.EDITOR, email="lina@iiim.example.org"),
        "organiser_owner": member(h, Membership.Role.OWNER, email="head@iiim.example.org"),
        "other_coordinator": member(g, Membership.Role.EDITOR, email="omar@ose.example.org"),
        "operator": UserFactory(email="operator@example.org", is_staff=True, is_superuser=True),
    }
    for event in events.values():
        invitation = InvitationFactory(event=event, organization=a, status=Invitation.Status.ACCEPTED)
        RegistrationFactory(event=event, user=users["participant"], invitation=invitation)
        RegistrationFactory(
            event=event, user=users["waitlisted"], organization=a, status=Registration.Status.WAITLISTED
        )
        RegistrationFactory(event=event, user=users["pending"], organization=a, status=Registration.Status.PENDING)
        RegistrationFactory(event=event, user=users["cancelled"], status=Registration.Status.CANCELLED)
    organizations = {"a": a, "b": b, "h": h, "g": g}
    feeds = {
        key: services.reset_calendar_feed(users["operator"], organization=org) for key, org in organizations.items()
    }
    for role, user in users.items():
        if user is not None:
            feeds[role] = services.reset_calendar_feed(user, user=user)
    return World(organizations=organizations, events=events, users=users, feeds=feeds)


# Each output: whether the event shows there, and everything the person received.


def _page(world: World, role: str, event: Event) -> tuple[bool, str]:
    response = world.client(role).get(f"/en/events/{event.slug}/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert str(escape(event.title)) in response.content.decode()
    return response.status_code == 200, response.content.decode()


def _ics(world: World, role: str, event: Event) -> tuple[bool, str]:
    response = world.client(role).get(f"/en/events/{event.slug}/calendar.ics")
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        return False, response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    content = unfolded(response.content)
    assert f"SUMMARY:{event.title}" in content
    return True, content


def _list_page(world: World, role: str, event: Event) -> tuple[bool, str]:
    response = world.client(role).get("/en/events/")
    assert response.status_code == 200
    return str(escape(event.title)) in response.content.decode(), response.content.decode()


def _month_page(world: World, role: str, event: Event) -> tuple[bool, str]:
    response = world.client(role).get("/en/events/", {"view": "month", "month": event.starts_at.strftime("%Y-%m")})
    assert response.status_code == 200
    return str(escape(event.title)) in response.content.decode(), response.content.decode()


def _feed(world: World, role: str, event: Event) -> tuple[bool, str]:
    """The calendar feed of the person's organisation; without one, a guessed address."""
    key = FEED_OF.get(role)
    response = Client().get(f"/en/events/feeds/{world.feeds[key] if key else 'a-guessed-token'}.ics")
    if key is None:
        assert response.status_code == 404
        return False, response.content.decode()
    assert response.status_code == 200
    content = unfolded(response.content)
    return f"SUMMARY:{event.title}\r\n" in content, content


def _personal_feed(world: World, role: str, event: Event) -> tuple[bool, str]:
    """The person's own calendar feed (for anonymous visitors, a guessed address): this event's entry, and the
    titles of all (the file holds other events, with the logistics the person may see of each)."""
    response = Client().get(f"/en/events/feeds/{world.feeds.get(role, 'a-guessed-token')}.ics")
    if role == "anonymous":
        assert response.status_code == 404
        return False, response.content.decode()
    assert response.status_code == 200
    entries = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    mine = [entry for entry in entries if str(entry["summary"]) == event.title]
    titles = " ".join(str(entry["summary"]) for entry in entries)
    return bool(mine), (unfolded(mine[0].to_ical()) if mine else "") + titles


def _api_list(world: World, role: str, event: Event) -> tuple[bool, str]:
    response = world.client(role).get(API)
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    if event.slug in rows:
        row = rows[event.slug]
        assert (STREET in row.get("street_address", "")) == (LINK == row.get("online_link")) == (role in LOGISTICS)
    return event.slug in rows, response.content.decode()


def _api_detail(world: World, role: str, event: Event) -> tuple[bool, str]:
    response = world.client(role).get(f"{API}{event.slug}/")
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        return False, response.content.decode()
    row = response.json()
    assert row["title"] == event.title
    # Absent, not null: a null would still say that there is an address or a link.
    assert ({"street_address", "online_link"} <= row.keys()) == (role in LOGISTICS)
    assert not ({"street_address", "online_link"} & row.keys()) or role in LOGISTICS
    return True, json.dumps(row)


OUTPUTS: dict[str, Callable[[World, str, Event], tuple[bool, str]]] = {
    "page": _page,
    "ics": _ics,
    "list_page": _list_page,
    "month_page": _month_page,
    "feed": _feed,
    "personal_feed": _personal_feed,
    "api_list": _api_list,
    "api_detail": _api_detail,
}
# Outputs that carry the street address and the online link to those who may see them. The list pages
# show none, and an organisation's feed address is a secret shared by all its people, so it never carries them.
WITH_LOGISTICS = {"page", "ics", "api_list", "api_detail", "personal_feed"}


def as_whom(role: str, output: str) -> str:
    return PERSONAL_AS.get(role, role) if output == "personal_feed" else role


def expected_visible(role: str, key: str, output: str) -> bool:
    if output == "feed":
        return role in FEED_OF and key in IN_FEED[FEED_OF[role]]
    if output == "personal_feed" and role == "anonymous":
        return False
    return as_whom(role, output) in VISIBLE[key]


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("key", list(VISIBLE))
@pytest.mark.parametrize("role", ROLES)
def test_visibility(world: World, role: str, key: str, output: str) -> None:
    visible, content = OUTPUTS[output](world, role, world.events[key])

    assert visible == expected_visible(role, key, output)
    if as_whom(role, output) not in LOGISTICS or output not in WITH_LOGISTICS:
        assert STREET not in content
        assert LINK not in content
    elif output != "api_list":  # the list holds other events too: _api_list checks this event's row
        assert (STREET in content) == visible
        assert (LINK in content) == visible
    if as_whom(role, output) not in VISIBLE["closed"]:
        assert CLOSED_TITLE not in content
    if as_whom(role, output) not in VISIBLE["draft"]:
        assert DRAFT_TITLE not in content


@pytest.mark.parametrize("role", sorted(set(ROLES) - LOGISTICS))
def test_page_says_logistics_are_for_confirmed_participants(world: World, role: str) -> None:
    response = world.client(role).get(f"/en/events/{world.events['public'].slug}/")

    assert (
        '<dt>Address and link</dt><dd class="muted">Shown to confirmed participants.</dd>' in response.content.decode()
    )


def test_readers_of_a_page_in_turn_see_what_the_rule_gives_each_whoever_came_first(world: World) -> None:
    """An event's page shares its body and its registration form between the readers shown the same
    (events/detail.html): read by every role in turn and again backwards, the logistics reach only those who may see
    them and the form offers each reader only the verified organisations they belong to."""
    event = world.events["public"]
    open_to_all = EventFactory(owner=event.owner, title_en="Open consultation on the strategy")
    # Signed in before: a first request's writes (its session's record) would renew the stamp, and with it the keys.
    clients = {role: world.client(role) for role in ROLES}
    for client in clients.values():
        client.get("/en/")
    forms_shown = 0
    for role in ROLES + ROLES[::-1]:
        page = clients[role].get(f"/en/events/{event.slug}/").content.decode()
        form = clients[role].get(f"/en/events/{open_to_all.slug}/").content.decode()
        offered = set(re.findall(r'<option value="\d+">([^<]*)</option>', form))
        own = {
            escape(str(organization))
            for organization in Organization.objects.filter(
                memberships__user=world.users[role], status=Organization.Status.VERIFIED
            )
        }

        assert (STREET in page) == (LINK in page) == (role in LOGISTICS), role
        assert offered <= own, role
        forms_shown += bool(offered)

    assert forms_shown >= 4  # members of A, B and H offered their own


def test_readers_in_turn_are_told_how_many_events_they_may_see_and_which_meetings_of_the_series(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The totals of the events list and of the API are shared by the readers the rule treats alike, and an
    event's list of the other meetings of its series by the readers of the same meetings (rule_key, the
    "event-series" fragment): read by every role in turn and again backwards, each is told their own."""
    monkeypatch.setattr("events.views.EVENTS_PAGE_SIZE", 1)  # "Page 1 of N": N events coming up
    series = EventSeries.objects.create(owner=world.organizations["h"], slug="canary-series", title_en="Canary series")
    Event.objects.filter(pk__in=[event.pk for event in world.events.values()]).update(series=series)
    shown = world.events["public"]
    clients = {role: world.client(role) for role in ROLES}
    for client in clients.values():  # signed in before reading (see the test above)
        client.get("/en/")
    for role in ROLES + ROLES[::-1]:
        seen = {key for key in VISIBLE if role in VISIBLE[key]}
        api = clients[role].get(API).json()
        listing = clients[role].get("/en/events/").content.decode()
        page = clients[role].get(f"/en/events/{shown.slug}/").content.decode()

        assert api["count"] == len(api["results"]) >= len(seen), role
        pages = re.search(r"Page 1 of (\d+)<", listing)  # one event a page; every event of the world is to come
        assert (int(pages.group(1)) if pages else 1) == api["count"], role
        # Each page's events too are sorted once for the readers the rule treats alike (portal.paging): every page
        # of the list, and the API's, holds what this reader may see and nothing else.
        listed = [listing] + [
            clients[role].get(f"/en/events/?page={number}").content.decode() for number in range(2, api["count"] + 1)
        ]
        titles = {row["title"] for row in api["results"]}
        for key, event in world.events.items():
            assert (event.title in titles) == (key in seen), (role, key)
            assert any(escape(event.title) in listing for listing in listed) == (key in seen), (role, key)
        assert (CLOSED_TITLE in page) == ("closed" in seen), role
        assert (DRAFT_TITLE in page) == ("draft" in seen), role
        assert ("Other meetings of" in page) == (len(seen) > 1), role


@pytest.mark.parametrize("role", ROLES)
def test_the_page_lists_the_documents_its_reader_may_read(world: World, role: str) -> None:
    event = world.events["members"]
    EventDocumentFactory(event=event, title="Canary outcome for everyone", kind="outcome", visibility="public")
    EventDocumentFactory(event=event, title="Canary minutes for participants")

    page = world.client(role).get(f"/en/events/{event.slug}/").content.decode()

    assert ("Canary outcome for everyone" in page) == (role in VISIBLE["members"])
    assert ("Canary minutes for participants" in page) == (role in VISIBLE["members"] and role in LOGISTICS)


def test_feed_at_a_forged_address_is_not_found(world: World) -> None:
    a = world.organizations["a"]

    assert Client().get("/en/events/feeds/not-the-token.ics").status_code == 404
    assert Client().get(f"/en/events/feeds/{world.feeds['a'][:-1]}.ics").status_code == 404
    assert Client().get(f"/en/events/feeds/{world.feeds['a']}.ics").status_code == 200
    # The address names no organisation, and its token is stored only hashed.
    assert a.slug not in world.feeds["a"]
    assert not type(a.calendar_feed).objects.filter(token_hash__contains=world.feeds["a"]).exists()


def test_a_cancelled_registration_does_not_reveal_a_closed_event(world: World) -> None:
    """Only an active registration counts: once cancelled (or declined), the closed event is gone from the
    list and the API, as it is from its page."""
    person = world.users["cancelled"]
    closed = world.events["closed"]

    assert Registration.objects.filter(user=person, event=closed, status=Registration.Status.CANCELLED).exists()
    assert CLOSED_TITLE not in world.client("cancelled").get("/en/events/").content.decode()
    assert closed.slug not in world.client("cancelled").get(API).content.decode()
    assert not Event.objects.visible_to(person).filter(pk=closed.pk).exists()


# Participants -----------------------------------------------------------------------------------------


@dataclass
class Participants:
    event: Event
    users: dict[str, User | None]
    listed: str  # the name of the organisation that agreed to be listed
    unlisted: str  # the name of one that did not
    individual: str  # the name of a person registered on their own


@pytest.fixture
def participants(world: World) -> Participants:
    """At the closed consultation: A agreed to be listed, C did not; C's delegate and a person registered
    on their own take part too, and a member of B is on the waiting list."""
    event = world.events["closed"]
    a, b = world.organizations["a"], world.organizations["b"]
    Invitation.objects.filter(event=event, organization=a).update(listed_to_participants=True)
    c = OrganizationFactory(name_en="Caesar Families Association", acronym="", slug="caesar-families")
    c_invitation = InvitationFactory(event=event, organization=c, status=Invitation.Status.ACCEPTED)
    c_delegate = member(c, Membership.Role.MEMBER, email="delegate@caesar.example.org", full_name="Yara Caesar")
    RegistrationFactory(event=event, user=c_delegate, invitation=c_invitation)
    individual = UserFactory(email="researcher@example.org", full_name="Samir Independent")
    RegistrationFactory(event=event, user=individual)
    b_waiting = member(b, Membership.Role.MEMBER, email="waiting@freedom.example.org")
    RegistrationFactory(event=event, user=b_waiting, organization=b, status=Registration.Status.WAITLISTED)
    users = {**world.users, "participant_of_c": c_delegate}
    return Participants(event=event, users=users, listed=a.name, unlisted=c.name, individual=individual.full_name)


def participants_section(participants: Participants, role: str) -> str | None:
    """The text of the page's participant list, or None when the page has none."""
    response = client_for(participants.users[role]).get(f"/en/events/{participants.event.slug}/")
    assert response.status_code == 200
    found = re.search(r"<h2>Participants</h2>(.*?)(?:<h2>|</article>)", response.content.decode(), re.S)
    return " ".join(strip_tags(found.group(1)).split()) if found else None


@pytest.mark.parametrize("role", ["organiser_editor", "organiser_owner", "operator"])
def test_organisers_see_every_participant(participants: Participants, role: str) -> None:
    section = participants_section(participants, role)

    assert section is not None
    assert participants.listed in section
    assert participants.unlisted in section
    assert participants.individual in section
    assert "Yara Caesar" in section
    assert "Families for Freedom" not in section  # on the waiting list, not a participant


@pytest.mark.parametrize("role", ["participant", "participant_of_c"])
def test_participants_see_only_the_organisations_that_agreed(participants: Participants, role: str) -> None:
    section = participants_section(participants, role)

    assert section is not None
    assert participants.listed in section
    assert participants.unlisted not in section
    assert participants.individual not in section
    # Participants see which organisations take part, never who came for them.
    assert "Yara Caesar" not in section
    assert "Delegate of STJ" not in section


@pytest.mark.parametrize("role", ["member_of_a", "owner_of_a", "waitlisted", "pending"])
def test_others_see_no_participant(participants: Participants, role: str) -> None:
    assert participants_section(participants, role) is None

    content = client_for(participants.users[role]).get(f"/en/events/{participants.event.slug}/").content.decode()
    assert participants.unlisted not in content
    assert participants.individual not in content
