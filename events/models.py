"""Consultation events: series such as the Lausanne Platform, their meetings, invitations and registrations."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from organizations.models import (
    WORKING_LANGUAGES,
    MembershipInvitation,
    Organization,
    private_storage,
    read_viewer,
    viewer_name,
)
from portal.access import ALL, MANAGE, VIEW, Action, Guarded, GuardedQuerySet, Role, Viewer
from portal.links import WebAddressField
from portal.models import validate_time_zone
from portal.publiccache import cached_public
from portal.text import SingleLineField

if TYPE_CHECKING:
    from portal.access import GuardedManager
    from portal.models import User


class EventSeries(models.Model):
    """A recurring meeting (the biannual Lausanne Platform) or a standing working group."""

    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="event_series")
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = SingleLineField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_working_group = models.BooleanField(
        _("standing working group"),
        default=False,
        help_text=_("Its member organisations are invited to every meeting automatically."),
    )
    members = models.ManyToManyField(
        Organization, blank=True, related_name="working_groups", verbose_name=_("member organisations")
    )

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[EventSeries]]
    _default_manager: ClassVar[models.Manager[EventSeries]]

    class Meta:
        ordering = ["title"]
        verbose_name = _("event series")
        verbose_name_plural = _("event series")

    def __str__(self) -> str:
        return self.title


class EventQuerySet(GuardedQuerySet["Event"]):
    def upcoming(self) -> EventQuerySet:
        """Events not over yet, by start. Said also as a range of start times, from the earliest start of any
        event not over (`earliest_not_over`), so that PostgreSQL reads them in start order from the index rather
        than walking past every past event first (14,000 rows at 20,000 events, bench/pages.py
        events_list@member)."""
        coming = self.filter(ends_at__gte=timezone.now()).order_by("starts_at")
        earliest = earliest_not_over()
        return coming if earliest is None else coming.filter(starts_at__gte=earliest)

    def past(self) -> EventQuerySet:
        """Events over, latest start first. Said also as "started before now" (an event ends after it starts: a
        constraint), so that PostgreSQL walks the start-time index back from now rather than from the last event
        planned (past every upcoming event first: 5 ms at 20,000 events, bench/pages.py events_list@member)."""
        now = timezone.now()
        return self.filter(ends_at__lt=now, starts_at__lt=now).order_by("-starts_at")


def earliest_not_over() -> datetime.datetime | None:
    """The earliest start of any event not over yet (None without one), the same for every reader: shared until
    the data changes. Within its minute time only raises it, and an earlier bound still holds. Read from the
    (ends_at, starts_at) index; the `+ 0` keeps PostgreSQL from looking for the minimum by walking the start-time
    index, which is the walk avoided."""

    def read() -> datetime.datetime | None:
        not_over = Event.objects.filter(ends_at__gte=timezone.now())
        return not_over.aggregate(earliest=models.Min(models.F("starts_at") + datetime.timedelta(0)))["earliest"]

    return cached_public("events-earliest-not-over", read)


if TYPE_CHECKING:
    # What EventQuerySet.as_manager() builds, named for the model's declaration.
    EventManager = models.Manager.from_queryset(EventQuerySet)


class Event(Guarded):
    class Kind(models.TextChoices):
        PLATFORM_MEETING = "platform", _("Platform meeting")
        STRATEGY_CONSULTATION = "consultation", _("Strategy consultation")
        BRIEFING = "briefing", _("Briefing")
        SIDE_EVENT = "side_event", _("Side event")
        WORKING_GROUP = "working_group", _("Working group meeting")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    class RegistrationMode(models.TextChoices):
        OPEN = "open", _("Open registration")
        INVITATION = "invitation", _("By invitation only")
        INTEREST = "interest", _("Expression of interest")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Signed-in members of verified organisations")
        CLOSED = "closed", _("Closed: invited organisations only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="events_owned", verbose_name=_("organiser")
    )
    series = models.ForeignKey(
        EventSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("series")
    )
    slug = models.SlugField(_("address"), max_length=90, unique=True)
    title = SingleLineField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STRATEGY_CONSULTATION)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.CLOSED)
    registration_mode = models.CharField(
        _("registration"), max_length=12, choices=RegistrationMode.choices, default=RegistrationMode.INVITATION
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Zurich", validators=[validate_time_zone]
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = SingleLineField(_("venue"), max_length=200, blank=True)
    city = SingleLineField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    # Shown only to confirmed participants and the organisers (Event.rule, SEE_LOGISTICS).
    street_address = models.TextField(_("street address"), blank=True)
    online_link = WebAddressField(_("online link"), blank=True, max_length=500)
    working_languages = models.JSONField(_("working languages"), default=list, blank=True)
    interpretation = models.CharField(_("interpretation"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit."),
    )
    # Empty: LINK_RELEASE_LEAD before the start (link_release_time).
    link_release_at = models.DateTimeField(
        _("online link released at"),
        null=True,
        blank=True,
        help_text=_(
            "When confirmed participants see the online link and are emailed it. Leave empty for 30 minutes "
            "before the start."
        ),
    )
    hold_days = models.PositiveSmallIntegerField(
        _("days a seat is held for a colleague invited as delegate"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("An invited colleague who has not accepted by then loses the seat to the waiting list."),
    )
    # The revision calendars compare (iCalendar SEQUENCE): raised by services.save_event when the time, the place
    # or the status changes, so that a calendar app replaces its copy instead of keeping both.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The attendance figures, stored when the registrations are deleted at the end of their retention period
    # (events/retention.py): "representatives of 23 organisations attended" outlives who they were.
    attended_people = models.PositiveIntegerField(_("people who attended"), null=True, blank=True, editable=False)
    attended_organizations = models.PositiveIntegerField(
        _("organisations that attended"), null=True, blank=True, editable=False
    )

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[EventManager[Event]] = EventQuerySet.as_manager()
    _default_manager: ClassVar[EventManager[Event]]
    # Columns django-modeltranslation adds (translation.py) that code reads by name.
    title_en: str | None

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # In date order, a page of events is read from the index instead of sorting them all (bench/pages.py).
        indexes = [
            models.Index(fields=["visibility", "status", "starts_at"]),
            models.Index(fields=["starts_at"]),
            models.Index(fields=["ends_at", "starts_at"]),  # the earliest start of the events not over (upcoming)
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.slug])

    # Besides VIEW and MANAGE (schedule, invite, confirm, mark attendance): the street address, the online link
    # and the participant list, for confirmed participants and the organisers; SEE_LINK, the online link itself,
    # for the organisers and, from its release time on, the confirmed participants.
    SEE_LOGISTICS = "see_logistics"
    SEE_LINK = "see_link"
    ACTIONS = (VIEW, MANAGE, SEE_LOGISTICS, SEE_LINK)
    LINK_RELEASE_LEAD = datetime.timedelta(minutes=30)

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """Drafts: the organisers (the owner's editors and owners). Then public events to everyone, members'
        events to signed-in members of verified organisations, closed ones to the invited organisations' members
        and to people with an active registration (both known to the Viewer: viewer_for). Logistics: the organisers
        and confirmed participants; the online link: the organisers, and confirmed participants from its release
        time (link_released)."""
        managed = viewer.managed("owner")
        if action == MANAGE or viewer.is_operator:
            return managed
        if action == cls.SEE_LOGISTICS:
            return managed | cls._registered(viewer, Registration.SEATED)
        if action == cls.SEE_LINK:
            return managed | (cls._registered(viewer, Registration.SEATED) & cls.link_released())
        visible = Q(visibility=cls.Visibility.PUBLIC) | cls._registered(viewer, Registration.ACTIVE)
        if viewer.sees_members_only_content:
            visible |= Q(visibility=cls.Visibility.MEMBERS)
        if viewer.invited_events:
            visible |= Q(pk__in=sorted(viewer.invited_events))
        return (~Q(status=cls.Status.DRAFT) & visible) | managed

    @staticmethod
    def _registered(viewer: Viewer, statuses: tuple[str, ...]) -> Q:
        """Events the viewer holds a registration for in one of `statuses` (a cancelled one reveals nothing)."""
        return Q(pk__in=viewer.registered_for(statuses))

    @classmethod
    def link_released(cls, now: datetime.datetime | None = None) -> Q:
        """Events whose online link is released at `now` (see link_release_time)."""
        now = now or timezone.now()
        return Q(link_release_at__lte=now) | Q(link_release_at=None, starts_at__lte=now + cls.LINK_RELEASE_LEAD)

    @property
    def link_release_time(self) -> datetime.datetime:
        """When confirmed participants see the online link and are emailed it."""
        return self.link_release_at or self.starts_at - self.LINK_RELEASE_LEAD

    @property
    def has_online_link(self) -> bool:
        return self.format != self.Format.IN_PERSON and bool(self.online_link)

    def working_language_names(self) -> list[str]:
        """The working languages by their names in the reader's language."""
        names = dict(WORKING_LANGUAGES)
        return [str(names.get(code, code)) for code in self.working_languages]

    def seat_plan(self, seats: dict[int, int] | None = None) -> SeatPlan:
        """Who holds, is promised and waits for which seat (see SeatPlan), with this object's capacity (saved or
        not) and, with `seats` (invitation id -> seats), as it would be after such a change. Exact only under the
        event's row lock."""
        return SeatPlan.of(self, seats or {})

    # The fields whose change makes a new revision for calendars (sequence).
    SCHEDULE_FIELDS = (
        "starts_at",
        "ends_at",
        "time_zone",
        "format",
        "venue",
        "city",
        "country",
        "street_address",
        "online_link",
        "status",
    )

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The event must end after it starts.")})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()


class Session(models.Model):
    """One item of the agenda."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = SingleLineField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.CharField(_("room or link"), max_length=200, blank=True)
    speakers = models.TextField(_("speakers"), blank=True)
    languages = models.CharField(_("languages"), max_length=100, blank=True)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[models.Manager[Session]]
    _default_manager: ClassVar[models.Manager[Session]]

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return self.title


class Invitation(Guarded):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="event_invitations")
    seats = models.PositiveSmallIntegerField(_("seats"), default=2, validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Participant lists are never shown to other participants unless the organisation agreed.
    listed_to_participants = models.BooleanField(_("other participants may see that we take part"), default=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization__name"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["event", "organization"], name="event_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.organization} → {self.event}"

    @property
    def is_accepted(self) -> bool:
        return self.status == self.Status.ACCEPTED

    # MANAGE is answering: accept or decline, name delegates.
    ACTIONS = (MANAGE,)
    objects = GuardedQuerySet["Invitation"].as_manager()

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The invited organisation's owners answer (and operators)."""
        return ALL if viewer.is_operator else Q(organization__in=viewer.organizations(Role.OWNER))


class Registration(Guarded):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    # Statuses that hold a seat.
    SEATED = (Status.CONFIRMED, Status.ATTENDED)
    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.ATTENDED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations")
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("on behalf of"),
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="delegates"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    interest_statement = models.TextField(
        _("about your organisation and why you wish to take part"), blank=True, max_length=3000
    )
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True, max_length=1000)
    needs_visa_letter = models.BooleanField(_("I need a visa invitation letter"), default=False)
    visa_letter_issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Claimed (set) before the email with the online link is queued: it goes out once per person.
    link_sent_at = models.DateTimeField(_("online link emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted", "attended"]),
                name="registration_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.event} ({self.get_status_display()})"

    @property
    def holds_seat(self) -> bool:
        return self.status in self.SEATED

    # VIEW: see that this person takes part (the participant list); MANAGE: cancel; VISA_LETTER: read the letter.
    VISA_LETTER = "visa_letter"
    ACTIONS = (VIEW, MANAGE, VISA_LETTER)
    objects = GuardedQuerySet["Registration"].as_manager()

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The organisers see every participant; confirmed participants see the seated participants whose
        organisation agreed to be listed. A person cancels their own registration, and so may the owners of the
        invitation it fills and the organisers; a visa letter is for the person it names and the organisers."""
        organisers = viewer.managed("event__owner")
        own = Q(user_id=viewer.user_id) if viewer.user_id is not None else Q(pk__in=[])
        if action == MANAGE:
            return own | organisers | Q(invitation__organization__in=viewer.organizations(Role.OWNER))
        if action == cls.VISA_LETTER:
            return own | organisers
        # A hidden organisation's people leave every participant list but the organisers'.
        listed = Q(status__in=cls.SEATED, invitation__listed_to_participants=True, organization__hidden_at__isnull=True)
        return organisers | (listed & Q(event__in=Event.objects.allowing(viewer, Event.SEE_LOGISTICS)))


class Document(Guarded):
    """An outcome document, minutes or recommendations, with its own visibility."""

    class Kind(models.TextChoices):
        OUTCOME = "outcome", _("Outcome document")
        MINUTES = "minutes", _("Minutes")
        RECOMMENDATIONS = "recommendations", _("Recommendations")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        PARTICIPANTS = "participants", _("Participants")
        ORGANISERS = "organisers", _("Organisers only")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents")
    title = SingleLineField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OUTCOME)
    visibility = models.CharField(
        _("who may read it"), max_length=15, choices=Visibility.choices, default=Visibility.PARTICIPANTS
    )
    file = models.FileField(_("file (PDF)"), storage=private_storage, upload_to="event-documents/")
    created_at = models.DateTimeField(default=timezone.now)

    # Typed by hand: modeltranslation swaps the managers' classes (see portal.access.GuardedManager).
    objects: ClassVar[GuardedManager[Document]] = GuardedQuerySet["Document"].as_manager()
    _default_manager: ClassVar[GuardedManager[Document]]

    ACTIONS = (VIEW,)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The organisers read every document; of an event one may see, anyone reads the public ones and
        confirmed participants the participants' ones."""
        organisers = viewer.managed("event__owner")
        if viewer.is_operator:
            return organisers
        readable = Q(visibility=cls.Visibility.PUBLIC) | Q(
            visibility=cls.Visibility.PARTICIPANTS, event__in=Event.objects.allowing(viewer, Event.SEE_LOGISTICS)
        )
        return organisers | (Q(event__in=Event.objects.visible_to(viewer)) & readable)


class SeatHoldQuerySet(models.QuerySet["SeatHold"]):
    def active(self, now: datetime.datetime | None = None) -> SeatHoldQuerySet:
        """Holds that still keep a seat: not answered, not expired, their membership invitation not withdrawn."""
        return self.filter(
            status=SeatHold.Status.HELD, expires_at__gt=now or timezone.now(), membership_invitation__isnull=False
        )


class SeatHold(models.Model):
    """A seat of an accepted invitation kept for a person invited by email, who becomes a member of the
    organisation and its delegate in one step when they accept (organizations' MembershipInvitation), until the
    hold expires (Event.hold_days). The invitation's page shows it; its access is the invitation's."""

    class Status(models.TextChoices):
        HELD = "held", _("Seat held")
        ACCEPTED = "accepted", _("Accepted")
        RELEASED = "released", _("Released")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="holds")
    # Withdrawn from the organisation's members page: the hold ends with it.
    membership_invitation = models.OneToOneField(
        MembershipInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="seat_hold"
    )
    email = models.EmailField(_("email"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.HELD)
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True, max_length=1000)
    needs_visa_letter = models.BooleanField(_("needs a visa invitation letter"), default=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("held until"))
    registration = models.OneToOneField(
        Registration, on_delete=models.SET_NULL, null=True, blank=True, related_name="seat_hold"
    )

    objects = SeatHoldQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("seat held for a delegate")
        verbose_name_plural = _("seats held for delegates")

    def __str__(self) -> str:
        return f"{self.email} → {self.invitation}"


@dataclass
class InvitationSeats:
    """One accepted invitation's seats: offered; confirmed, held and waitlisted delegates; `free`, the seats
    still promised to it that nobody fills yet; `short`, those it was offered but the capacity cannot cover."""

    seats: int
    confirmed: int = 0
    held: int = 0
    waitlisted: int = 0
    free: int = 0
    short: int = 0

    @property
    def promised(self) -> int:
        """Seats reserved for the organisation against the capacity."""
        return self.confirmed + self.held + self.free

    @property
    def named(self) -> int:
        return self.confirmed + self.held + self.waitlisted


@dataclass
class SeatPlan:
    """The one rule for seats. Confirmed participants and held seats keep theirs, whatever the capacity. Each
    accepted invitation is promised its remaining seats in the order the invitations were accepted, as far as
    the capacity goes; what is left is free for open registration (`free`, None without a limit). A delegate or
    a registrant who cannot be seated waits in one queue per event, in the order they came (`waitlist`)."""

    capacity: int | None
    seated: int
    held: int
    free: int | None
    invitations: dict[int, InvitationSeats] = field(default_factory=dict)
    waitlist: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, event: Event, seats: dict[int, int]) -> SeatPlan:
        registrations = Registration.objects.filter(event_id=event.pk)
        counts = registrations.values("invitation_id", "status").annotate(count=models.Count("pk"))
        holds = SeatHold.objects.active().filter(invitation__event_id=event.pk).values("invitation_id")
        held = dict(holds.annotate(count=models.Count("pk")).values_list("invitation_id", "count"))
        accepted = event.invitations.filter(status=Invitation.Status.ACCEPTED).order_by("responded_at", "pk")
        plan = cls(capacity=event.capacity, seated=0, held=sum(held.values()), free=None)
        plan.invitations = {
            pk: InvitationSeats(seats=seats.get(pk, offered), held=held.get(pk, 0))
            for pk, offered in accepted.values_list("pk", "seats")
        }
        for row in counts:
            share = plan.invitations.get(row["invitation_id"])
            if row["status"] in Registration.SEATED:
                plan.seated += row["count"]
                if share is not None:
                    share.confirmed += row["count"]
            elif row["status"] == Registration.Status.WAITLISTED and share is not None:
                share.waitlisted += row["count"]
        room = None if event.capacity is None else event.capacity - plan.seated - plan.held
        for share in plan.invitations.values():
            wanted = max(0, share.seats - share.confirmed - share.held)
            share.free = wanted if room is None else min(wanted, max(room, 0))
            share.short = wanted - share.free
            if room is not None:
                room -= share.free
        plan.free = None if room is None else max(room, 0)
        waiting = registrations.filter(status=Registration.Status.WAITLISTED).order_by("created_at", "pk")
        plan.waitlist = list(waiting.values_list("pk", flat=True))
        return plan

    def has_room(self, invitation_id: int | None) -> bool:
        """Whether one more person can be seated: a delegate within their invitation's promise, anyone else
        within the unpromised capacity."""
        share = self.invitations.get(invitation_id) if invitation_id is not None else None
        if share is not None:
            return share.free > 0
        return invitation_id is None and (self.free is None or self.free > 0)

    def has_any_room(self) -> bool:
        return self.free != 0 or any(share.free for share in self.invitations.values())

    def place(self, registration_id: int) -> int | None:
        """A waitlisted registration's place in the queue, from 1."""
        try:
            return self.waitlist.index(registration_id) + 1
        except ValueError:
            return None

    def seats_of(self, invitation: Invitation) -> InvitationSeats:
        return self.invitations.get(invitation.pk) or InvitationSeats(seats=invitation.seats)


def hash_feed_token(token: str) -> str:
    """What is stored of a feed's secret address: its SHA-256. The address itself is shown once, never kept."""
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """The secret address of a calendar feed, for calendar apps (which cannot log in): a person's own feed, or an
    organisation's. Only the token's hash is stored; resetting replaces the row, and the old address stops.

    The feed never carries its own permissions: each request evaluates the rules as the holder now stands
    (events.calendar.feed_events)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feed"
    )
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # No public page reads it: writing it need not renew the public cache.
    feeds_public_pages = False

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, organization__isnull=True)
                | Q(user__isnull=True, organization__isnull=False),
                name="calendar_feed_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"calendar feed of {self.user or self.organization}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


def viewer_for(user: User) -> Viewer:
    """The Viewer of a signed-in person (settings.PORTAL_VIEWER): their memberships and powers
    (organizations.models.read_viewer), and their part in events. Every signed-in request asks for it: it is
    shared until a table it is read from changes (organizations.models.viewer_name)."""
    return cached_public(viewer_name(user), lambda: _with_events(read_viewer(user), user.pk))


# Marks an invitation among the registrations _with_events reads (no registration's status).
INVITED = "invited"


def _with_events(viewer: Viewer, user_id: int) -> Viewer:
    """`viewer` with the person's active registrations and their organisations' invitations, in one query."""
    registered = Registration.objects.filter(user_id=user_id, status__in=Registration.ACTIVE).order_by()
    rows = registered.values_list("event_id", "status")
    if organizations := viewer.organizations():
        invited = _invitations_to(organizations).values_list("event_id", models.Value(INVITED, models.CharField()))
        rows = rows.union(invited)
    registrations: dict[int, str] = {}
    invited_ids: set[int] = set()
    for event_id, status in rows:
        if status == INVITED:
            invited_ids.add(event_id)
        else:
            registrations[event_id] = status
    return dataclasses.replace(viewer, registrations=registrations, invited_events=frozenset(invited_ids))


def invited_events(organization_ids: list[int]) -> frozenset[int]:
    """The events any of these organisations is invited to, whatever its answer."""
    if not organization_ids:
        return frozenset()
    return frozenset(_invitations_to(organization_ids).values_list("event_id", flat=True))


def _invitations_to(organization_ids: list[int]) -> models.QuerySet[Invitation]:
    return Invitation.objects.filter(organization__in=organization_ids).order_by()
