"""iCalendar (RFC 5545) output: one event, or an organisation's feed of the events it may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import icalendar
from django.conf import settings
from django.core import signing
from django.utils import timezone

from events.models import Event
from portal.access import prefetch_access

FEED_SALT = "events.organization-feed"


def _component(event: Event, user: Any) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"event-{event.pk}@{settings.SITE_URL.split('//')[-1]}")
    item.add("summary", event.title)
    item.add("dtstamp", event.updated_at)
    # Times in the event's own zone, with its VTIMEZONE, so calendars convert across DST correctly.
    item.add("dtstart", timezone.localtime(event.starts_at, event.zone))
    item.add("dtend", timezone.localtime(event.ends_at, event.zone))
    item.add("url", settings.SITE_URL + event.get_absolute_url())
    if event.description:
        item.add("description", event.description)
    place = ", ".join(part for part in [event.venue, event.city, event.country.name if event.country else ""] if part)
    # The street address and link only for those allowed to see them (confirmed participants, organisers).
    if event.allows(user, Event.SEE_LOGISTICS):
        place = ", ".join(part for part in [place, event.street_address.replace("\n", ", ")] if part)
        # The link from its release time on: the page's and the API's rule (Event.SEE_LINK).
        if event.online_link and event.allows(user, Event.SEE_LINK):
            item.add("conference", event.online_link)
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
    prefetch_access(events, user, Event.SEE_LOGISTICS)
    prefetch_access(events, user, Event.SEE_LINK)
    for event in events:
        calendar.add_component(_component(event, user))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_token(organization_id: int) -> str:
    """A secret address for an organisation's calendar feed (calendar apps cannot log in)."""
    return signing.Signer(salt=FEED_SALT).sign(str(organization_id)).split(":", 1)[1]


def feed_token_is_valid(organization_id: int, token: str) -> bool:
    try:
        signing.Signer(salt=FEED_SALT).unsign(f"{organization_id}:{token}")
    except signing.BadSignature:
        return False
    return True
