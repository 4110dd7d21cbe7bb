"""Demo events from the public facts in shared/seeds/ (the Lausanne Platform, IIIM consultations, the Civil
Society Support Room's working groups). Called by `manage.py load_demo`; idempotent. Dates are set relative
to today so that the demo always has upcoming events."""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from events.models import Event, EventSeries, Invitation
from organizations.models import Organization


def _at(days: int, hour: int, zone: str) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(zone))


def load() -> None:
    iiim = Organization.objects.get(slug="iiim")
    envoy = Organization.objects.get(slug="office-of-the-special-envoy")
    lausanne, _created = EventSeries.objects.update_or_create(
        slug="lausanne-platform",
        defaults={
            "owner": iiim,
            "title_en": "Lausanne Platform",
            "title_ar": "منصة لوزان",
            "description_en": (
                "A biannual two-day meeting, hosted in turn by the Kingdom of the Netherlands and Switzerland, "
                "that brings together the IIIM's leadership and staff with representatives of Syrian CSOs."
            ),
        },
    )
    governance, _created = EventSeries.objects.update_or_create(
        slug="cssr-local-governance-and-decentralization",
        defaults={
            "owner": envoy,
            "title_en": "CSSR working group on Local Governance and Decentralization",
            "is_working_group": True,
        },
    )
    governance.members.set(
        Organization.objects.filter(
            slug__in=["syrians-for-truth-and-justice", "syrian-center-for-media-and-freedom-of-expression"]
        )
    )
    events = [
        (
            "lausanne-platform-upcoming",
            {
                "owner": iiim,
                "series": lausanne,
                "title_en": "Lausanne Platform",
                "title_ar": "منصة لوزان",
                "kind": Event.Kind.PLATFORM_MEETING,
                "format": Event.Format.HYBRID,
                "visibility": Event.Visibility.MEMBERS,
                "registration_mode": Event.RegistrationMode.INVITATION,
                "time_zone": "Europe/Zurich",
                "starts_at": _at(40, 9, "Europe/Zurich"),
                "ends_at": _at(41, 17, "Europe/Zurich"),
                "venue": "Conference centre",
                "city": "Lausanne",
                "country": "CH",
                "street_address": "Demo street 1, 1000 Lausanne",
                "online_link": "https://meet.example.org/lausanne",
                "working_languages": ["ar", "en"],
                "interpretation": "Arabic ↔ English",
                "capacity": 60,
            },
        ),
        (
            "children-and-youth-strategy-consultation-2021",
            {
                "owner": iiim,
                "title_en": "Children and Youth Strategy consultation",
                "kind": Event.Kind.STRATEGY_CONSULTATION,
                "format": Event.Format.IN_PERSON,
                "visibility": Event.Visibility.PUBLIC,
                "registration_mode": Event.RegistrationMode.INVITATION,
                "time_zone": "Europe/Zurich",
                "starts_at": datetime.datetime(2021, 11, 15, 9, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich")),
                "ends_at": datetime.datetime(2021, 11, 16, 17, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich")),
                "city": "Lausanne",
                "country": "CH",
            },
        ),
        (
            "gender-strategy-consultation",
            {
                "owner": iiim,
                "title_en": "Gender Strategy consultation (online)",
                "kind": Event.Kind.STRATEGY_CONSULTATION,
                "format": Event.Format.ONLINE,
                "visibility": Event.Visibility.PUBLIC,
                "registration_mode": Event.RegistrationMode.INTEREST,
                "time_zone": "Europe/Istanbul",
                "starts_at": _at(20, 14, "Europe/Istanbul"),
                "ends_at": _at(20, 16, "Europe/Istanbul"),
                "online_link": "https://meet.example.org/gender",
                "working_languages": ["ar", "en"],
                "capacity": 30,
            },
        ),
        (
            "hlp-rights-side-event",
            {
                "owner": envoy,
                "title_en": "Side event: women's housing, land and property rights in Syria",
                "kind": Event.Kind.SIDE_EVENT,
                "format": Event.Format.IN_PERSON,
                "visibility": Event.Visibility.PUBLIC,
                "registration_mode": Event.RegistrationMode.OPEN,
                "time_zone": "Europe/Zurich",
                "starts_at": _at(12, 13, "Europe/Zurich"),
                "ends_at": _at(12, 14, "Europe/Zurich"),
                "venue": "Palais des Nations, Room XXII",
                "city": "Geneva",
                "country": "CH",
                "capacity": 40,
            },
        ),
        (
            "cssr-local-governance-meeting",
            {
                "owner": envoy,
                "series": governance,
                "title_en": "Working group meeting: Local Governance",
                "kind": Event.Kind.WORKING_GROUP,
                "format": Event.Format.ONLINE,
                "visibility": Event.Visibility.CLOSED,
                "registration_mode": Event.RegistrationMode.INVITATION,
                "time_zone": "Europe/Zurich",
                "starts_at": _at(7, 10, "Europe/Zurich"),
                "ends_at": _at(7, 12, "Europe/Zurich"),
                "online_link": "https://meet.example.org/cssr-governance",
            },
        ),
    ]
    for slug, fields in events:
        Event.objects.update_or_create(slug=slug, defaults={"status": Event.Status.SCHEDULED, **fields})
    meeting = Event.objects.get(slug="cssr-local-governance-meeting")
    for member in governance.members.all():
        Invitation.objects.get_or_create(event=meeting, organization=member, defaults={"seats": 2})
    platform = Event.objects.get(slug="lausanne-platform-upcoming")
    for member in Organization.objects.filter(
        slug__in=["syrians-for-truth-and-justice", "caesar-families-association", "massar-families-association"]
    ):
        Invitation.objects.get_or_create(event=platform, organization=member, defaults={"seats": 2})
