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

from events.models import CalendarFeed, Event, Invitation, Registration, hash_feed_token
from organizations.models import Membership, Organization
from organizations.services import owners_of
from portal import audit, slugs
from portal.access import MANAGE
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
    """The title and the local start date, e.g. lausanne-platform-2026-11-18."""
    start = timezone.localtime(event.starts_at, event.zone).date().isoformat() if event.starts_at else ""
    return slugs.unique_slug(
        Event,
        f"{event.title_en or event.title} {start}",
        fallback="event",
        reserved={"new", "feeds"},
        exclude_pk=event.pk,
    )


@transaction.atomic
def save_event(actor: User, event: Event) -> Event:
    """Create or update an event; a new meeting of a working group invites its members."""
    if not event.owner.is_verified:
        raise ValidationError(_("Events are organised by verified organisations."), code="owner")
    created = event.pk is None
    if not event.slug:
        event.slug = unique_event_slug(event)
    event.full_clean(exclude=["slug"])
    if not created:
        count_revision(event)
    event.save()
    if created and event.series is not None and event.series.is_working_group:
        invite_organizations(actor, event, event.series.members.verified(), seats=2)
    return event


def count_revision(event: Event) -> None:
    """Raise the event's calendar revision (iCalendar SEQUENCE) when its time, place or status changed, so that
    calendar apps replace their copy. The one place that decides it, before an existing event is saved (by
    save_event, and by the operators' admin)."""
    before = Event.objects.select_for_update().filter(pk=event.pk).values(*Event.SCHEDULE_FIELDS, "sequence").get()
    event.sequence = before["sequence"]
    if any(before[name] != getattr(event, name) for name in Event.SCHEDULE_FIELDS):
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
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    locked.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    locked.listed_to_participants = listed_to_participants if accept else False
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "listed_to_participants", "responded_at"])
    if not accept:
        for registration in locked.delegates.filter(status__in=Registration.ACTIVE):
            cancel_registration(actor, registration)
    notify(organisers_of(locked.event), "events/email/invitation_answered", {"invitation": locked})
    return locked


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _seats_taken(event: Event) -> int:
    return event.registrations.filter(status__in=Registration.SEATED).count()


def _has_room(event: Event) -> bool:
    return event.capacity is None or _seats_taken(event) < event.capacity


@transaction.atomic
def name_delegate(
    actor: User, invitation: Invitation, user: User, *, accessibility_needs: str = "", needs_visa_letter: bool = False
) -> Registration:
    """An invited organisation's owner names one of its members as a delegate, within its seats."""
    event = _lock_event(invitation.event)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.ACCEPTED:
        raise ValidationError(_("Accept the invitation before naming delegates."), code="not_accepted")
    if not Membership.objects.filter(user=user, organization_id=invitation.organization_id).exists():
        raise ValidationError(_("Delegates must be members of your organisation."), code="not_member")
    if invitation.delegates.filter(status__in=Registration.ACTIVE).count() >= invitation.seats:
        raise ValidationError(
            ngettext(
                "The %(seats)s seat of your invitation is taken.",
                "All %(seats)s seats of your invitation are taken.",
                invitation.seats,
            ),
            params={"seats": invitation.seats},
            code="no_seats",
        )
    if not _has_room(event):
        raise ValidationError(_("The event is full."), code="full")
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                event=event,
                user=user,
                organization_id=invitation.organization_id,
                invitation=invitation,
                status=Registration.Status.CONFIRMED,
                accessibility_needs=accessibility_needs,
                needs_visa_letter=needs_visa_letter,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("%(person)s is already registered."), params={"person": user.get_full_name()}, code="duplicate"
        ) from exc
    notify([user], "events/email/registration_confirmed", {"registration": registration})
    return registration


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
        status = Registration.Status.CONFIRMED if _has_room(event) else Registration.Status.WAITLISTED
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
    template = {
        Registration.Status.CONFIRMED: "events/email/registration_confirmed",
        Registration.Status.WAITLISTED: "events/email/registration_waitlisted",
        Registration.Status.PENDING: "events/email/interest_received",
    }[status]
    notify([user], template, {"registration": registration})
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
    return locked


def promote_waitlist(event: Event) -> list[Registration]:
    """Move people up from the waiting list while there is room. Call with the event row locked."""
    promoted = []
    waiting = event.registrations.select_for_update().filter(status=Registration.Status.WAITLISTED)
    for registration in waiting.order_by("created_at", "pk"):
        if not _has_room(event):
            break
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
    if accept and not _has_room(event):
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
