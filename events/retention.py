"""The events' categories of personal data (portal/retention.py): registrations, attendance and visa letters, and
the seats held for colleagues invited as delegates by email."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from events import services
from events.models import Event, Registration, SeatHold
from portal import pdf
from portal.retention import Category, register


def _expired_registrations(cutoff: datetime.datetime) -> QuerySet[Registration]:
    return Registration.objects.filter(event__ends_at__lt=cutoff)


def _keep_figures(registrations: QuerySet[Registration]) -> None:
    """Store each event's attendance figures before its registrations go, and delete the visa letters printed."""
    attended = Q(registrations__status=Registration.Status.ATTENDED)
    events = Event.objects.filter(pk__in=registrations.values("event"), attended_organizations=None).annotate(
        people=Count("registrations", filter=attended),
        organizations=Count("registrations__organization", filter=attended, distinct=True),
    )
    for figures in events.values("pk", "people", "organizations"):
        Event.objects.filter(pk=figures["pk"]).update(
            attended_people=figures["people"], attended_organizations=figures["organizations"]
        )
    for registration in registrations.exclude(visa_letter_issued_at=None).select_related("event", "user"):
        for language, _name in settings.LANGUAGES:
            # The letter as it would print today: one printed before a change of its template is not found.
            pdf.stored_pdf(pdf.content_key(services.visa_letter_html(registration, language))).unlink(missing_ok=True)


register(
    Category(
        "event_registrations",
        _(
            "Registrations for events: who registered or attended, on behalf of which organisation, accessibility "
            "needs, statements of interest and visa letters (how many people and organisations attended is kept)"
        ),
        _("after the event ends"),
        _expired_registrations,
        before_delete=_keep_figures,
    )
)


def _expired_seat_holds(cutoff: datetime.datetime) -> QuerySet[SeatHold]:
    return SeatHold.objects.filter(invitation__event__ends_at__lt=cutoff)


register(
    Category(
        "delegate_invitations",
        _(
            "Seats held for colleagues invited as delegates by email: their address, accessibility needs and "
            "visa-letter request"
        ),
        _("after the event ends"),
        _expired_seat_holds,
    )
)
