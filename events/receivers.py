"""What events add to an organisation's data export (organizations.signals), connected in EventsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from events.models import Event
from organizations import signals
from organizations.models import Organization
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
