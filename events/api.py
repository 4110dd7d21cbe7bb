"""Read-only REST API for events: closed events stay invisible, logistics only for confirmed participants."""

from __future__ import annotations

from typing import Any

from django.db.models import Manager, QuerySet
from django_countries.serializers import CountryFieldMixin
from rest_framework import serializers, viewsets

from events.models import Event, EventSeries, Session
from organizations.models import Organization
from portal.access import prefetch_access
from portal.api import FIELD_MAPPING


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["title", "starts_at", "ends_at", "room", "speakers", "languages"]


class EventListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        events = list(data.all() if isinstance(data, Manager) else data)
        # Whether the caller sees each event's logistics depends on their registration for it: one query
        # for the whole page instead of one per event.
        prefetch_access(events, self.context["request"].user, Event.SEE_LOGISTICS)
        return super().to_representation(events)


class EventSerializer(CountryFieldMixin, serializers.ModelSerializer):
    owner: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    series: serializers.SlugRelatedField[EventSeries] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    sessions = SessionSerializer(many=True, read_only=True)
    serializer_field_mapping = FIELD_MAPPING

    class Meta:
        model = Event
        list_serializer_class = EventListSerializer
        fields = [
            "slug",
            "title",
            "description",
            "owner",
            "series",
            "kind",
            "format",
            "status",
            "visibility",
            "registration_mode",
            "time_zone",
            "starts_at",
            "ends_at",
            "venue",
            "city",
            "country",
            "street_address",
            "online_link",
            "working_languages",
            "interpretation",
            "capacity",
            "sessions",
        ]

    def to_representation(self, event: Event) -> dict[str, Any]:
        data = super().to_representation(event)
        # Absent, not null, for those who may not see them: a null would still say that one exists.
        if not event.allows(self.context["request"].user, Event.SEE_LOGISTICS):
            data.pop("street_address")
            data.pop("online_link")
            # A session's room may be a meeting link: it is logistics too.
            for session in data["sessions"]:
                session.pop("room", None)
        return data


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Events the caller may see, upcoming first."""

    serializer_class = EventSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Event]:
        return (
            Event.objects.visible_to(self.request.user)
            .select_related("owner", "series")
            .prefetch_related("sessions")
            .order_by("starts_at", "pk")
        )
