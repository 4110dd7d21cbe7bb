"""Read-only REST API for events: closed events stay invisible, logistics only for confirmed participants."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from events.models import Event, EventSeries, Invitation, Registration, SeatPlan, Session
from organizations.models import Organization
from portal.access import MANAGE, allowed_ids
from portal.api import FIELD_MAPPING, SharedListViewSet, shared_rows
from portal.renderers import Encoded, Member, for_tags, pieces, shown


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["title", "starts_at", "ends_at", "room", "speakers", "languages"]


# What the rule on an event's logistics and online link asks of the event itself (Event.rule).
RULE_FIELDS = ("owner_id", "starts_at", "link_release_at")


class EventListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[Encoded]:
        child = cast("EventSerializer", self.child)
        # Encoded once, as everyone who may see these events is shown them, with the fields the rule on logistics
        # asks of an event; each reader is sent the pieces they may see.
        shared = shared_rows(
            f"api-events-pieces:{timezone.get_current_timezone_name()}",
            data,
            lambda event: (pieces(child.members(event)), {name: getattr(event, name) for name in RULE_FIELDS}),
        )
        # Whether the caller sees each event's logistics depends on their registration for it (their Viewer
        # knows) and on those fields: asked in Python, and in one query for what they leave open.
        known = {pk: fields for pk, (_pieces, fields) in shared}
        user = self.context["request"].user
        allowed = allowed_ids(Event, list(known), user, Event.SEE_LOGISTICS, Event.SEE_LINK, known=known)
        logistics, link = allowed[Event.SEE_LOGISTICS], allowed[Event.SEE_LINK]
        return [
            for_tags(encoded, reader_tags(logistics=pk in logistics, link=pk in link))
            for pk, (encoded, _fields) in shared
        ]


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
            "link_release_time",
            "sessions",
        ]

    link_release_time = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When confirmed participants see the online link; null for an event without one.",
    )

    def to_representation(self, event: Event) -> dict[str, Any]:
        user = self.context["request"].user
        tags = reader_tags(logistics=event.allows(user, Event.SEE_LOGISTICS), link=event.allows(user, Event.SEE_LINK))
        return shown(self.members(event), tags)

    def members(self, event: Event) -> list[Member]:
        """The event with everything in it, logistics included, each tagged (`reader_tags`): never sent as it is. A
        page of the list shares it between readers, so it must not depend on who asks (EventDetailSerializer's
        does: it is never listed)."""
        data = super().to_representation(event)
        if not event.has_online_link:
            data["link_release_time"] = None
        members: list[Member] = []
        for key, value in data.items():
            if key == "sessions":
                # A session's room may be a meeting link: it is logistics too.
                members.append((key, value, LOGISTICS))
                members.append((key, [_without_room(session) for session in value], NO_LOGISTICS))
            else:
                members.append((key, value, _TAGS.get(key)))
        return members


# What a reader must hold to be sent a member of an event (portal.renderers.Member).
LOGISTICS, NO_LOGISTICS, LINK = "logistics", "no-logistics", "link"
_TAGS = {"street_address": LOGISTICS, "online_link": LINK}


def reader_tags(*, logistics: bool, link: bool) -> set[str]:
    """The tags of a reader who may see an event's logistics or not (Event.SEE_LOGISTICS), and its online link or
    not (Event.SEE_LINK; the same rule as the page's and the .ics's). Absent, not null, for those who may not see
    them: a null would still say that one exists."""
    if not logistics:
        return {NO_LOGISTICS}
    return {LOGISTICS, LINK} if link else {LOGISTICS}


def _without_room(session: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in session.items() if key != "room"}


class SeatFiguresSerializer(serializers.Serializer):
    capacity = serializers.IntegerField(allow_null=True)
    confirmed = serializers.IntegerField(source="seated")
    held = serializers.IntegerField()
    free = serializers.IntegerField(allow_null=True, help_text="Neither taken nor promised; null without a limit.")
    waitlisted = serializers.SerializerMethodField()

    def get_waitlisted(self, plan: SeatPlan) -> int:
        return len(plan.waitlist)


class InvitationSeatsSerializer(serializers.Serializer):
    organization = serializers.CharField()
    status = serializers.CharField()
    seats = serializers.IntegerField()
    promised = serializers.IntegerField()
    named = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    held = serializers.IntegerField()
    waitlisted = serializers.IntegerField()


class OwnRegistrationSerializer(serializers.Serializer):
    status = serializers.CharField()
    waitlist_place = serializers.IntegerField(allow_null=True)


class EventDetailSerializer(EventSerializer):
    """One event, with the seat figures its caller may see: all of them for the organisers, their invitations'
    for the invited organisations' owners, and the caller's own registration with their waiting-list place."""

    seats = serializers.SerializerMethodField()
    invitations = serializers.SerializerMethodField()
    registration = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "seats", "invitations", "registration"]

    def _plan(self, event: Event) -> SeatPlan:
        if "plan" not in self.context:
            self.context["plan"] = event.seat_plan()
        plan: SeatPlan = self.context["plan"]
        return plan

    @extend_schema_field(SeatFiguresSerializer(allow_null=True))
    def get_seats(self, event: Event) -> dict[str, Any] | None:
        if not event.allows(self.context["request"].user, MANAGE):
            return None
        return dict(SeatFiguresSerializer(self._plan(event)).data)

    @extend_schema_field(InvitationSeatsSerializer(many=True))
    def get_invitations(self, event: Event) -> list[dict[str, Any]]:
        user = self.context["request"].user
        invitations = event.invitations.select_related("organization")
        if not event.allows(user, MANAGE):
            invitations = invitations.managed_by(user)
        rows = []
        for invitation in invitations:
            share = self._plan(event).seats_of(invitation)
            rows.append(self._row(invitation, share))
        return rows

    @staticmethod
    def _row(invitation: Invitation, share: Any) -> dict[str, Any]:
        figures = {name: getattr(share, name) for name in ("promised", "named", "confirmed", "held", "waitlisted")}
        if not invitation.is_accepted:
            figures = dict.fromkeys(figures, 0)
        return {
            "organization": invitation.organization.slug,
            "status": invitation.status,
            "seats": invitation.seats,
            **figures,
        }

    @extend_schema_field(OwnRegistrationSerializer(allow_null=True))
    def get_registration(self, event: Event) -> dict[str, Any] | None:
        user = self.context["request"].user
        if not user.is_authenticated:
            return None
        registration = event.registrations.filter(user_id=user.pk, status__in=Registration.ACTIVE).first()
        if registration is None:
            return None
        return {"status": registration.status, "waitlist_place": self._plan(event).place(registration.pk)}


class EventViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, SharedListViewSet):
    """Events the caller may see, upcoming first."""

    serializer_class = EventSerializer
    lookup_field = "slug"
    model = Event
    list_label = "api-events"

    def get_serializer_class(self) -> type[EventSerializer]:
        return EventDetailSerializer if self.action == "retrieve" else EventSerializer

    def visible(self) -> QuerySet[Event]:
        return (
            Event.objects.visible_to(self.request.user)
            .select_related("owner", "series")
            .prefetch_related("sessions")
            .order_by("starts_at", "pk")
        )
