"""Every change to events, invitations and registrations goes through these functions.

Seats are counted under a row lock on the event, so two people registering at the same moment can never
both take the last seat; a cancellation promotes the first person on the waiting list in the same
transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.models import CalendarFeed, Event, Invitation, Registration, SeatHold, SeatPlan, hash_feed_token
from organizations.models import Membership, Organization
from organizations.services import accept_invitation, invitation_from_token, invite_member, owners_of
from portal import audit, slugs
from portal.access import MANAGE, forget_viewer
from portal.mail import notify
from portal.models import User

INVITATION_REMINDER_AFTER = datetime.timedelta(days=5)
EVENT_REMINDER_BEFORE = datetime.timedelta(days=2)


def organisers_of(event: Event) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__organization_id=event.owner_id,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.EDITOR],
    )


def unique_event_slug(event: Event) -> str:
    """The title, the local start date and a random suffix, e.g. lausanne-platform-2026-11-18-k7qm: suffixed
    every time, since a "-2" would tell that a draft or closed event of that title and day exists."""
    start = timezone.localtime(event.starts_at, event.zone).date().isoformat() if event.starts_at else ""
    return slugs.unique_slug(
        Event,
        f"{event.title_en or event.title} {start}",
        fallback="event",
        reserved={"new", "feeds", "delegation"},
        exclude_pk=event.pk,
        always_suffixed=True,
    )


@transaction.atomic
def save_event(actor: User, event: Event, *, confirmed: bool = False) -> Event:
    """Create or update an event; a new meeting of a working group invites its members. A capacity that takes
    seats already promised to organisations needs `confirmed` (SeatsPromised otherwise); a larger one seats the
    waiting list."""
    if not event.owner.is_verified:
        raise ValidationError(_("Events are organised by verified organisations."), code="owner")
    created = event.pk is None
    if not event.slug:
        event.slug = unique_event_slug(event)
    event.full_clean(exclude=["slug"])
    if not created:
        saved = _lock_event(event)
        lost = seats_lost(saved.seat_plan(), event.seat_plan())
        if lost and not confirmed:
            raise SeatsPromised(lost)
        count_revision(event, saved)
    event.save()
    if not created:
        promote_waitlist(event)
    if created and event.series is not None and event.series.is_working_group:
        invite_organizations(actor, event, event.series.members.verified(), seats=2)
    return event


def count_revision(event: Event, saved: Event | None = None) -> None:
    """Raise the event's calendar revision (iCalendar SEQUENCE) when its time, place or status changed, so that
    calendar apps replace their copy. The one place that decides it, before an existing event is saved (by
    save_event, and by the operators' admin), against the row as saved (`saved`, locked, or locked here)."""
    saved = saved or _lock_event(event)
    event.sequence = saved.sequence
    if any(getattr(saved, name) != getattr(event, name) for name in Event.SCHEDULE_FIELDS):
        event.sequence += 1


def scheduling_warnings(event: Event, viewer: Any, organizations: Iterable[Organization] = ()) -> list[str]:
    """What a coordinator (`viewer`) should know before scheduling: overlaps with the organiser's other events,
    the same venue, and events the invited organisations already take part in. Only events `viewer` may see
    are named, and who takes part only in events `viewer` organises (participation is never public)."""
    overlapping = (
        Event.objects.visible_to(viewer)
        .exclude(pk=event.pk)
        .exclude(status=Event.Status.CANCELLED)
        .filter(starts_at__lt=event.ends_at, ends_at__gt=event.starts_at)
    )
    warnings = [
        gettext("Overlaps with your event “%(title)s”.") % {"title": other.title}
        for other in overlapping.filter(owner_id=event.owner_id)
    ]
    if event.venue:
        warnings += [
            gettext("“%(title)s” uses the same venue at the same time.") % {"title": other.title}
            for other in overlapping.filter(venue__iexact=event.venue, city__iexact=event.city).exclude(
                owner_id=event.owner_id
            )
        ]
    organization_ids = [organization.pk for organization in organizations] or list(
        event.invitations.values_list("organization_id", flat=True)
    )
    busy = Invitation.objects.filter(
        event__in=overlapping, organization_id__in=organization_ids, status=Invitation.Status.ACCEPTED
    ).select_related("organization", "event")
    warnings += [
        gettext("%(organization)s already takes part in “%(title)s” at that time.")
        % {"organization": invitation.organization.name, "title": invitation.event.title}
        for invitation in busy
        if invitation.event.allows(viewer, MANAGE)
    ]
    return warnings


# Invitations ------------------------------------------------------------------------------------------


@transaction.atomic
def invite_organizations(
    actor: User | None, event: Event, organizations: Iterable[Organization], *, seats: int
) -> list[Invitation]:
    """Invite verified organisations (skipping those already invited); their owners are emailed."""
    invited = []
    for organization in organizations:
        if not organization.is_verified:
            continue
        invitation, created = Invitation.objects.get_or_create(
            event=event, organization=organization, defaults={"seats": seats, "invited_by": actor}
        )
        if created:
            invited.append(invitation)
            notify(owners_of(organization), "events/email/invitation", {"invitation": invitation})
    return invited


@transaction.atomic
def answer_invitation(
    actor: User, invitation: Invitation, *, accept: bool, listed_to_participants: bool = False
) -> Invitation:
    """Accept (its seats are then promised against the capacity, in the order invitations are accepted) or
    decline (its delegates and held seats are released, and the waiting list moves up)."""
    event = _lock_event(invitation.event)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    already = locked.is_accepted
    locked.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    locked.listed_to_participants = listed_to_participants if accept else False
    if not (accept and already):  # answering "accept" again keeps the organisation's place in the order
        locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "listed_to_participants", "responded_at"])
    if not accept:
        for registration in locked.delegates.filter(status__in=Registration.ACTIVE):
            cancel_registration(actor, registration)
        locked.holds.filter(status=SeatHold.Status.HELD).update(status=SeatHold.Status.RELEASED)
        promote_waitlist(event)
    notify(organisers_of(locked.event), "events/email/invitation_answered", {"invitation": locked})
    return locked


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def seats_lost(before: SeatPlan, after: SeatPlan) -> list[tuple[Invitation, int]]:
    """The invitations that would keep fewer promised seats in `after` than in `before`, and how many fewer."""
    lost = {
        pk: share.promised - after.invitations[pk].promised
        for pk, share in before.invitations.items()
        if pk in after.invitations and after.invitations[pk].promised < share.promised
    }
    invitations = Invitation.objects.filter(pk__in=lost).select_related("organization")
    return [(invitation, lost[invitation.pk]) for invitation in invitations]


class SeatsPromised(ValidationError):
    """A change would take seats already promised to organisations: `lost` says whose and how many."""

    def __init__(self, lost: list[tuple[Invitation, int]]) -> None:
        super().__init__(
            _("This change takes seats already promised to organisations. Confirm it to save."), code="promised"
        )
        self.lost = lost


@transaction.atomic
def change_invitation_seats(actor: User, invitation: Invitation, seats: int, *, confirmed: bool = False) -> Invitation:
    """Change the seats offered to an organisation; taking promised seats needs `confirmed` (SeatsPromised
    otherwise). Delegates already confirmed keep their seats; seats freed go to the waiting list."""
    if seats < 1:
        raise ValidationError(_("An invitation has at least one seat."), code="seats")
    event = _lock_event(invitation.event)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    lost = seats_lost(event.seat_plan(), event.seat_plan({locked.pk: seats}))
    if lost and not confirmed:
        raise SeatsPromised(lost)
    locked.seats = seats
    locked.save(update_fields=["seats"])
    promote_waitlist(event)
    return locked


def _check_may_name(invitation: Invitation, plan: SeatPlan) -> None:
    if invitation.status != Invitation.Status.ACCEPTED:
        raise ValidationError(_("Accept the invitation before naming delegates."), code="not_accepted")
    if plan.seats_of(invitation).named >= invitation.seats:
        raise ValidationError(
            ngettext(
                "The %(seats)s seat of your invitation is taken.",
                "All %(seats)s seats of your invitation are taken.",
                invitation.seats,
            ),
            params={"seats": invitation.seats},
            code="no_seats",
        )


@transaction.atomic
def name_delegate(
    actor: User,
    invitation: Invitation,
    user: User,
    *,
    accessibility_needs: str = "",
    needs_visa_letter: bool = False,
    hold: SeatHold | None = None,
) -> Registration:
    """An invited organisation's owner names one of its members as a delegate, within its seats: confirmed on a
    seat promised to the organisation, waitlisted (and told their place) when none is free. With `hold`, the
    person invited by email takes the seat held for them."""
    event = _lock_event(invitation.event)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if hold is not None:  # its seat becomes theirs: no longer held, so the plan below has room for it
        hold.status = SeatHold.Status.ACCEPTED
        hold.save(update_fields=["status"])
    else:
        _check_may_name(invitation, event.seat_plan())
    if not Membership.objects.filter(user=user, organization_id=invitation.organization_id).exists():
        raise ValidationError(_("Delegates must be members of your organisation."), code="not_member")
    seated = event.seat_plan().has_room(invitation.pk)
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                event=event,
                user=user,
                organization_id=invitation.organization_id,
                invitation=invitation,
                status=Registration.Status.CONFIRMED if seated else Registration.Status.WAITLISTED,
                accessibility_needs=accessibility_needs,
                needs_visa_letter=needs_visa_letter,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("%(person)s is already registered."), params={"person": user.get_full_name()}, code="duplicate"
        ) from exc
    if hold is not None:
        hold.registration = registration
        hold.save(update_fields=["registration"])
    _tell_registered(registration, event)
    return registration


def _tell_registered(registration: Registration, event: Event) -> None:
    template = {
        Registration.Status.CONFIRMED.value: "events/email/registration_confirmed",
        Registration.Status.WAITLISTED.value: "events/email/registration_waitlisted",
        Registration.Status.PENDING.value: "events/email/interest_received",
    }[registration.status]
    waiting = registration.status == Registration.Status.WAITLISTED
    place = event.seat_plan().place(registration.pk) if waiting else None
    notify([registration.user], template, {"registration": registration, "place": place})


def find_member(organization: Organization, email: str) -> User | None:
    """The member of `organization` who signs in with `email`, if any."""
    email = email.strip()
    members = User.objects.filter(memberships__organization=organization, is_active=True)
    return members.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email)).distinct().first()


@transaction.atomic
def invite_delegate(
    actor: User,
    invitation: Invitation,
    email: str,
    *,
    accessibility_needs: str = "",
    needs_visa_letter: bool = False,
) -> Registration | SeatHold:
    """Name a delegate by email. A member is named at once; anyone else gets one email that makes them a member
    (role member, organizations' membership invitation) and the delegate together when they accept, and a seat
    promised to the organisation is held for them until the event's hold expires."""
    member = find_member(invitation.organization, email)
    if member is not None:
        return name_delegate(
            actor, invitation, member, accessibility_needs=accessibility_needs, needs_visa_letter=needs_visa_letter
        )
    event = _lock_event(invitation.event)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    plan = event.seat_plan()
    _check_may_name(invitation, plan)
    if not plan.has_room(invitation.pk):
        raise ValidationError(
            _(
                "No seat promised to your organisation is free to hold. Name a member instead: they go on the "
                "waiting list."
            ),
            code="no_seat_to_hold",
        )
    hold = SeatHold(
        invitation=invitation,
        email=email.strip().lower(),
        accessibility_needs=accessibility_needs,
        needs_visa_letter=needs_visa_letter,
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=event.hold_days),
    )
    hold.membership_invitation = invite_member(
        actor,
        invitation.organization,
        hold.email,
        Membership.Role.MEMBER,
        template="events/email/delegate_invitation",
        context={"event": event, "hold": hold},
    )
    hold.save()
    return hold


@transaction.atomic
def accept_delegation(user: User, token: str) -> Registration:
    """The person invited by email joins the organisation and takes the seat held for them in one step."""
    membership_invitation = invitation_from_token(token)
    hold = SeatHold.objects.filter(membership_invitation=membership_invitation).first()
    if hold is None:
        raise ValidationError(_("This invitation names no event."), code="no_event")
    event = _lock_event(hold.invitation.event)
    hold = SeatHold.objects.select_for_update().get(pk=hold.pk)
    if not SeatHold.objects.active().filter(pk=hold.pk).exists() or not hold.invitation.is_accepted:
        raise ValidationError(
            _("The seat held for you at “%(title)s” was released. Ask your organisation to name you again."),
            params={"title": event.title},
            code="released",
        )
    accept_invitation(user, token)
    registration = name_delegate(
        hold.invited_by or user,
        hold.invitation,
        user,
        accessibility_needs=hold.accessibility_needs,
        needs_visa_letter=hold.needs_visa_letter,
        hold=hold,
    )
    forget_viewer(user)  # the rest of the request sees the event as its delegate
    return registration


def release_expired_holds(now: datetime.datetime | None = None) -> int:
    """Release the seats held past their expiry and move the waiting lists up (celery beat; the seat plan
    already ignores an expired hold, so this only makes the release visible and seats the waiting)."""
    now = now or timezone.now()
    expired = SeatHold.objects.filter(status=SeatHold.Status.HELD).exclude(pk__in=SeatHold.objects.active(now))
    count = 0
    for event_id in set(expired.values_list("invitation__event_id", flat=True)):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            count += expired.filter(invitation__event=event).update(status=SeatHold.Status.RELEASED)
            promote_waitlist(event)
    return count


# Registration -----------------------------------------------------------------------------------------


@transaction.atomic
def register(
    user: User,
    event: Event,
    *,
    organization: Organization | None = None,
    interest_statement: str = "",
    accessibility_needs: str = "",
    needs_visa_letter: bool = False,
) -> Registration:
    """Register for an open event (confirmed while seats last, then waitlisted) or express interest."""
    event = _lock_event(event)
    if event.status != Event.Status.SCHEDULED or event.is_past:
        raise ValidationError(_("Registration for this event is closed."), code="closed")
    if event.registration_mode == Event.RegistrationMode.INVITATION:
        raise ValidationError(
            _("This event is by invitation: your organisation names its delegates."), code="invitation_only"
        )
    if event.registration_mode == Event.RegistrationMode.INTEREST and not interest_statement.strip():
        raise ValidationError(
            _("Tell the organisers about your organisation and why you wish to take part."), code="statement_required"
        )
    if event.registration_mode == Event.RegistrationMode.OPEN:
        seated = event.seat_plan().has_room(None)
        status = Registration.Status.CONFIRMED if seated else Registration.Status.WAITLISTED
    else:
        status = Registration.Status.PENDING
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                event=event,
                user=user,
                organization=organization,
                status=status,
                interest_statement=interest_statement,
                accessibility_needs=accessibility_needs,
                needs_visa_letter=needs_visa_letter,
            )
    except IntegrityError as exc:
        raise ValidationError(_("You are already registered for this event."), code="duplicate") from exc
    _tell_registered(registration, event)
    forget_viewer(user)  # the rest of the request sees the event as a registered person does
    return registration


@transaction.atomic
def cancel_registration(actor: User, registration: Registration) -> Registration:
    """Cancel; a freed seat goes to the first person on the waiting list."""
    event = _lock_event(registration.event)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status not in Registration.ACTIVE:
        raise ValidationError(_("This registration is no longer active."), code="inactive")
    freed = locked.holds_seat
    locked.status = Registration.Status.CANCELLED
    locked.save(update_fields=["status"])
    if freed:
        promote_waitlist(event)
    forget_viewer(actor)  # a person cancelling their own sees the event as before registering from here on
    return locked


def promote_waitlist(event: Event) -> list[Registration]:
    """Seat the people on the waiting list, in their order, whom the seat plan now has room for (a delegate on
    a seat promised to their organisation, anyone else on an unpromised one); each is emailed in their language.
    Call with the event row locked."""
    promoted = []
    waiting = event.registrations.select_for_update().filter(status=Registration.Status.WAITLISTED)
    for registration in waiting.order_by("created_at", "pk").select_related("user", "event"):
        plan = event.seat_plan()
        if not plan.has_any_room():
            break
        if not plan.has_room(registration.invitation_id):
            continue
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status"])
        notify([registration.user], "events/email/registration_promoted", {"registration": registration})
        promoted.append(registration)
    return promoted


@transaction.atomic
def decide_interest(actor: User, registration: Registration, *, accept: bool) -> Registration:
    event = _lock_event(registration.event)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status != Registration.Status.PENDING:
        raise ValidationError(_("This request has already been answered."), code="decided")
    if accept and not event.seat_plan().has_room(locked.invitation_id):
        raise ValidationError(_("The event is full."), code="full")
    locked.status = Registration.Status.CONFIRMED if accept else Registration.Status.DECLINED
    locked.save(update_fields=["status"])
    template = "events/email/registration_confirmed" if accept else "events/email/interest_declined"
    notify([locked.user], template, {"registration": locked})
    return locked


@transaction.atomic
def mark_attendance(actor: User, registration: Registration, *, attended: bool) -> Registration:
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status not in Registration.SEATED:
        raise ValidationError(_("Only confirmed participants can be marked as attending."), code="not_confirmed")
    locked.status = Registration.Status.ATTENDED if attended else Registration.Status.CONFIRMED
    locked.save(update_fields=["status"])
    return locked


def attendance_figures(event: Event) -> dict[str, int]:
    """How many people, and of how many organisations, attended: counted from the registrations, or as stored
    when they were deleted (events/retention.py)."""
    if event.attended_organizations is not None and event.attended_people is not None:
        return {"people": event.attended_people, "organizations": event.attended_organizations}
    attended = event.registrations.filter(status=Registration.Status.ATTENDED)
    return {
        "people": attended.count(),
        "organizations": attended.exclude(organization=None).values("organization").distinct().count(),
    }


# Visa letters -----------------------------------------------------------------------------------------


@transaction.atomic
def issue_visa_letter(actor: User, registration: Registration) -> Registration:
    if not (registration.needs_visa_letter and registration.holds_seat):
        raise ValidationError(
            _("A visa letter is issued to confirmed participants who asked for one."), code="not_needed"
        )
    registration.visa_letter_issued_at = registration.visa_letter_issued_at or timezone.now()
    registration.save(update_fields=["visa_letter_issued_at"])
    notify([registration.user], "events/email/visa_letter", {"registration": registration})
    return registration


def visa_letter_html(registration: Registration, language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "events/visa_letter_pdf.html",
            {
                "registration": registration,
                "event": registration.event,
                "language": language,
                "bidi": translation.get_language_bidi(),
            },
        )


# Reminders (celery beat) ------------------------------------------------------------------------------


def send_invitation_reminders(now: datetime.datetime | None = None) -> int:
    """Remind the owners of organisations that have not answered an invitation for a few days, once."""
    now = now or timezone.now()
    due = Invitation.objects.filter(
        status=Invitation.Status.PENDING,
        reminded_at=None,
        created_at__lte=now - INVITATION_REMINDER_AFTER,
        event__status=Event.Status.SCHEDULED,
        event__starts_at__gt=now,
    ).select_related("event", "organization")
    count = 0
    for invitation in due:
        with transaction.atomic():
            # Claim the row first, so that a second beat run does not send the same reminder.
            if Invitation.objects.filter(pk=invitation.pk, reminded_at=None).update(reminded_at=now):
                notify(
                    owners_of(invitation.organization), "events/email/invitation_reminder", {"invitation": invitation}
                )
                count += 1
    return count


def send_event_reminders(now: datetime.datetime | None = None) -> int:
    """Remind confirmed participants shortly before the event, once."""
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        reminded_at=None,
        event__status=Event.Status.SCHEDULED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + EVENT_REMINDER_BEFORE,
    ).select_related("event", "user")
    count = 0
    for registration in due:
        with transaction.atomic():
            if Registration.objects.filter(pk=registration.pk, reminded_at=None).update(reminded_at=now):
                notify([registration.user], "events/email/event_reminder", {"registration": registration})
                count += 1
    return count


def send_meeting_links(now: datetime.datetime | None = None) -> int:
    """Email the online link to each confirmed participant of the events whose link is released (Event.SEE_LINK),
    once per person: the registration's marker is claimed in the same statement that checks it, so a retried
    task or two beat runs at once send nothing twice. Someone confirmed later gets it at the next run."""
    now = now or timezone.now()
    due = Registration.objects.filter(
        Q(event__in=Event.objects.filter(Event.link_released(now))),
        status=Registration.Status.CONFIRMED,
        link_sent_at=None,
        event__status=Event.Status.SCHEDULED,
        event__format__in=[Event.Format.ONLINE, Event.Format.HYBRID],
        event__ends_at__gt=now,
    ).exclude(event__online_link="")
    count = 0
    for registration in due.select_related("event", "user"):
        with transaction.atomic():
            if Registration.objects.filter(pk=registration.pk, link_sent_at=None).update(link_sent_at=now):
                notify([registration.user], "events/email/meeting_link", {"registration": registration})
                count += 1
    return count


# Calendar feeds -----------------------------------------------------------------------------------------


@transaction.atomic
def reset_calendar_feed(
    actor: User | None, *, user: User | None = None, organization: Organization | None = None
) -> str:
    """Give a person (`user`) or an organisation a new secret calendar feed address; an earlier one stops working
    at once. Returns the address's token, to be shown once: only its hash is kept."""
    holder: dict[str, Any] = {"user": user} if user is not None else {"organization": organization}
    token = CalendarFeed.new_token()
    CalendarFeed.objects.filter(**holder).delete()
    CalendarFeed.objects.create(**holder, token_hash=hash_feed_token(token), created_by=actor)
    audit.record(None, audit.Action.CALENDAR_FEED_RESET, actor=actor, target=organization or user)
    return token


def upcoming_for_calendar(user: Any, start: datetime.date, end: datetime.date) -> QuerySet[Event]:
    return Event.objects.visible_to(user).filter(Q(starts_at__date__lte=end) & Q(ends_at__date__gte=start))
