"""What events add to an organisation's data export and to the organisation picker's filters, and what they
withdraw when it hides (organizations.signals), connected in EventsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import CalendarFeed, Event, EventSeries, Registration
from organizations import signals
from organizations.models import Organization, OrganizationQuerySet
from organizations.picker import PickerFilter
from portal.access import Viewer
from portal.models import User


@receiver(signals.export_sections, dispatch_uid="events_export_section")
def export_section(sender: type, *, user: User, organization: Organization, **kwargs: Any) -> dict[str, Any]:
    """The organisation's invitations to the events `user` may see."""
    invitations = organization.event_invitations.filter(event__in=Event.objects.visible_to(user))
    return {
        "event_invitations": [
            {
                "event": invitation.event.title,
                "event_address": invitation.event.slug,
                "starts": invitation.event.starts_at,
                "status": invitation.status,
                "seats": invitation.seats,
                "listed_to_participants": invitation.listed_to_participants,
                "invited": invitation.created_at,
                "answered": invitation.responded_at,
            }
            for invitation in invitations.select_related("event")
        ]
    }


@receiver(signals.organization_hidden, dispatch_uid="events_hidden_organization_feed")
def withdraw_feed(sender: type, *, organization: Organization, **kwargs: Any) -> None:
    """A hidden organisation's feed address stops working, and stays dead when it shows again: a seized phone's
    calendar learns nothing more. Its owners reset the feed for a new address."""
    CalendarFeed.objects.filter(organization=organization).delete()


@receiver(signals.picker_filters, dispatch_uid="events_picker_filters")
def picker_filters(sender: type, *, viewer: Viewer, **kwargs: Any) -> list[PickerFilter]:
    """Pick the members of a working group `viewer` keeps, and the organisations that attended a past meeting of a
    series (by the registrations the rule shows `viewer`: the organisers see every participant)."""

    def members_of(organizations: OrganizationQuerySet, slug: str) -> QuerySet[Organization]:
        return organizations.filter(working_groups__in=groups.filter(slug=slug))

    def attended(organizations: OrganizationQuerySet, slug: str) -> QuerySet[Organization]:
        present = Registration.objects.visible_to(viewer).filter(
            status=Registration.Status.ATTENDED, event__series__slug=slug, event__ends_at__lt=timezone.now()
        )
        return organizations.filter(pk__in=present.values("organization"))

    groups = EventSeries.objects.filter(viewer.managed("owner"), is_working_group=True).order_by("title")
    series = EventSeries.objects.filter(
        events__in=Event.objects.managed_by(viewer).filter(ends_at__lt=timezone.now())
    ).distinct()
    return [
        PickerFilter(
            "working_group", _("Member of the working group"), [(g.slug, g.title) for g in groups], members_of
        ),
        PickerFilter(
            "attended", _("Attended a past meeting of"), [(s.slug, s.title) for s in series.order_by("title")], attended
        ),
    ]
