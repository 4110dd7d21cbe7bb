"""iCalendar output (RFC 5545, with RFC 7986's CONFERENCE): one event, a person's feed, an organisation's feed.

Calendar apps read different properties: Google Calendar and Outlook show DESCRIPTION and LOCATION but not URL or
CONFERENCE, Apple Calendar shows URL, Thunderbird CONFERENCE. So the event page's address is in URL and in
DESCRIPTION, and for those who may see them the online link in DESCRIPTION and CONFERENCE and the street address
in LOCATION. SEQUENCE and LAST-MODIFIED make an app replace its copy when the event changes.

A feed's address is a random token whose SHA-256 alone is stored (events.models.CalendarFeed). What a feed holds
is decided at each request, by the rules, as its holder stands now (`feed_for_token`).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

import icalendar
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from events.models import CalendarFeed, Event, Registration, hash_feed_token, invited_events
from organizations.models import Organization
from portal.access import Viewer, prefetch_access
from portal.models import User

# How far back a feed reaches: past events stay in the calendar a while, not for ever.
FEED_PAST = datetime.timedelta(days=180)


def _component(event: Event, user: Any) -> icalendar.Event:
    page = settings.SITE_URL + event.get_absolute_url()
    item = icalendar.Event()
    item.add("uid", f"event-{event.pk}@{settings.SITE_URL.split('//')[-1]}")
    item.add("summary", event.title)
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    # Times in the event's own zone, with its VTIMEZONE, so calendars convert across DST correctly.
    item.add("dtstart", timezone.localtime(event.starts_at, event.zone))
    item.add("dtend", timezone.localtime(event.ends_at, event.zone))
    item.add("url", icalendar.vUri(page))
    description = [event.description] if event.description else []
    description.append(gettext("Event page: %(address)s") % {"address": page})
    place = ", ".join(part for part in [event.venue, event.city, event.country.name if event.country else ""] if part)
    # The street address and link only for those allowed to see them (confirmed participants, organisers).
    if event.allows(user, Event.SEE_LOGISTICS):
        place = ", ".join(part for part in [place, " ".join(event.street_address.split())] if part)
    # The link from its release time on: the page's and the API's rule (Event.SEE_LINK).
    if event.online_link and event.allows(user, Event.SEE_LINK):
        label = gettext("Online meeting")
        description.append(f"{label}: {event.online_link}")
        # RFC 7986: a link to join, with what it offers (a list, not one quoted value) and its label.
        parameters: dict[str, Any] = {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": label}
        item.add("conference", icalendar.vUri(event.online_link), parameters=parameters)
    item.add("description", "\n\n".join(description))
    if place:
        item.add("location", place)
    item.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    return item


def build_calendar(events: Iterable[Event], user: Any, name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Civil Society Coordination Portal//EN")
    calendar.add("version", "2.0")
    # A calendar's name is one line; icalendar would refuse the line break of a title or name written past the forms.
    calendar.add("x-wr-calname", icalendar.vText(" ".join(name.split())))
    events = list(events)
    prefetch_access(events, user, Event.SEE_LOGISTICS, Event.SEE_LINK)
    for event in events:
        calendar.add_component(_component(event, user))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _recent(events: Any) -> Any:
    return events.filter(ends_at__gte=timezone.now() - FEED_PAST)


def person_calendar(user: User) -> bytes:
    """The events `user` may see now, those they are registered for first, with the logistics they may see. The
    rules are asked as for an API token: a feed passes no second factor, so it holds no coordinator's powers."""
    registered = Registration.objects.filter(event=OuterRef("pk"), user=user, status__in=Registration.ACTIVE)
    events = (
        _recent(Event.objects.visible_to(user))
        .annotate(registered=Exists(registered))
        .order_by("-registered", "starts_at")
        .select_related("owner")
    )
    return build_calendar(events, user, gettext("Civil Society Coordination Portal"))


def organization_viewer(organization: Organization) -> Viewer:
    """Whom an organisation's feed shows events to: any plain member of it, and nobody in particular. So it lists
    the public events, the members' events (if it is verified) and the closed events it is invited to; never a
    draft, nor an event one of its people is registered for on their own, nor (the address being shared by the
    whole organisation) a street address or an online link."""
    member = Viewer.member_of(organization.pk, verified=organization.is_verified)
    return dataclasses.replace(member, invited_events=invited_events([organization.pk]))


def organization_calendar(organization: Organization) -> bytes:
    events = _recent(Event.objects.visible_to(organization_viewer(organization))).select_related("owner")
    return build_calendar(events, AnonymousUser(), organization.name)


def feed_for_token(token: str) -> bytes | None:
    """The calendar at a secret feed address, or None where there is none: an unknown or reset token, a person
    no longer active, an organisation not verified (suspended) or hidden."""
    feed = CalendarFeed.objects.select_related("user", "organization").filter(token_hash=hash_feed_token(token)).first()
    if feed is None:
        return None
    if feed.user is not None:
        return person_calendar(feed.user) if feed.user.is_active else None
    organization = feed.organization
    if organization is None or not organization.is_verified or organization.is_hidden:
        return None
    return organization_calendar(organization)
