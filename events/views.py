from __future__ import annotations

import calendar as month_calendar
import datetime
import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from events import calendar, services
from events.forms import (
    FIRST_MONTH,
    LAST_MONTH,
    DelegateForm,
    DocumentForm,
    EventForm,
    InvitationAnswerForm,
    InviteForm,
    MonthForm,
    RegistrationForm,
    SeatsForm,
    SessionForm,
)
from events.models import (
    CalendarFeed,
    Document,
    Event,
    EventQuerySet,
    Invitation,
    Registration,
    SeatHold,
    Session,
)
from organizations import services as organization_services
from organizations.models import Organization, coordinated_organizations, unhidden_q
from organizations.picker import PAGE_SIZE as PICKER_PAGE_SIZE
from organizations.picker import OrganizationPicker, candidates
from portal import audit, pdf, printing
from portal.access import MANAGE, VIEW, Action, prefetch_access, shared_as, viewer_of
from portal.http import AuthenticatedHttpRequest
from portal.models import User
from portal.paging import NarrowPaginator, RowsById, rows_in_order, unbuilt
from portal.publiccache import cached_public
from portal.ratelimit import limited
from portal.rows import read_for
from portal.uploads import MAX_DOCUMENT_BYTES, accepts_upload


def _event_for(request: HttpRequest, slug: str, *, manage: bool = False, asking: tuple[Action, ...] = ()) -> Event:
    """The event if the person may know it exists (404 otherwise); with `manage`, if they organise it (403).
    The rule's verdicts on `asking` are taken at once, in Python (every leaf of the events' rule is a column of the
    event or known to the Viewer)."""
    event = read_for(request, Event, slug=slug)
    if event is None:
        raise Http404
    prefetch_access([event], request.user, VIEW, *asking)
    if not event.allows(request.user):
        raise Http404
    if manage and not event.allows(request.user, MANAGE):
        raise PermissionDenied
    return event


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _viewer_zone(request: HttpRequest) -> str:
    """The signed-in person's time zone; anonymous visitors get only the event's own (no guessing)."""
    return getattr(request.user, "time_zone", "") if request.user.is_authenticated else ""


# Each card formats dates in two time zones: a page of 25 stays quick to render and light on a slow connection.
EVENTS_PAGE_SIZE = 25
PAST_EVENTS_SHOWN = 10


def event_list(request: HttpRequest) -> HttpResponse:
    def visible() -> EventQuerySet:
        return Event.objects.visible_to(request.user).select_related("owner")

    if request.GET.get("view") == "month":
        return _month(request, visible())
    # Counted and sorted once for every reader the rule treats alike (a count over every event not over yet grows
    # with the data), and their queries built only when a page must be read again; time alone renews them within
    # the minute.
    coming = unbuilt(Event, lambda: visible().upcoming())
    upcoming = NarrowPaginator(
        coming, EVENTS_PAGE_SIZE, shared_as=shared_as("events-upcoming", coming, request.user)
    ).get_page(request.GET.get("page"))
    past = unbuilt(Event, lambda: visible().past())
    return render(
        request,
        "events/list.html",
        {
            "upcoming": upcoming,
            # The latest past events, under the first page of what is coming up.
            "past": (
                rows_in_order(past, slice(PAST_EVENTS_SHOWN), shared_as=shared_as("events-past", past, request.user))
                if upcoming.number == 1
                else []
            ),
            "can_create": viewer_of(request.user).may_coordinate,
            "viewer_zone": _viewer_zone(request),
        },
    )


def _month(request: HttpRequest, visible: Any) -> HttpResponse:
    form = MonthForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"message": form.errors["month"][0]}, status=400)
    first = form.cleaned_data["month"]
    days = month_calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days)
    # On the days each event takes where the reader is (where it is held, for visitors: as its page says), read a
    # day wider on either side since the database's dates are the server's.
    one_day = datetime.timedelta(days=1)
    events = services.upcoming_for_calendar(request.user, first - one_day, last + one_day).select_related("owner")
    zone_name = _viewer_zone(request)
    spans = [(event, *_local_days(event, zone_name)) for event in events]
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid = [[(day, [event for event, start, end in spans if start <= day <= end]) for day in week] for week in weeks]
    previous = (first - one_day).replace(day=1) if first > FIRST_MONTH else None
    following = last + one_day if first < LAST_MONTH else None
    return render(
        request, "events/month.html", {"month": first, "grid": grid, "previous": previous, "following": following}
    )


def _series_events(event: Event, user: Any) -> RowsById:
    """The other meetings of the event's series the reader may see, in order: sorted once for every reader the rule
    treats alike, the query built only when they must be sorted again."""

    def others_visible() -> EventQuerySet:
        return Event.objects.filter(series=event.series_id).visible_to(user).exclude(pk=event.pk).order_by("starts_at")

    others = unbuilt(Event, others_visible)
    shared = shared_as(f"event-series:{event.series_id}:{event.pk}", others, user)
    return rows_in_order(others, slice(None), shared_as=shared)


def _local_days(event: Event, zone_name: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `event` in the time zone named (the event's own without one)."""
    zone = zoneinfo.ZoneInfo(zone_name) if zone_name else event.zone
    return timezone.localtime(event.starts_at, zone).date(), timezone.localtime(event.ends_at, zone).date()


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Whether this reader is seated decides the logistics and the link: asked of the rule as the event is read. Its
    # organiser and series are read only where the page shows them again (the shared part is rendered once).
    event = _event_for(request, slug, asking=(Event.SEE_LOGISTICS, Event.SEE_LINK))
    user = request.user
    registration = (
        event.registrations.filter(user_id=user.pk, status__in=Registration.ACTIVE).first()
        if user.is_authenticated
        else None
    )
    can_manage = event.allows(user, MANAGE)
    own_invitations = (
        event.invitations.managed_by(user).select_related("organization")
        if user.is_authenticated and cached_public(f"event-invited:{event.pk}", event.invitations.exists)
        else []
    )
    waiting = registration is not None and registration.status == Registration.Status.WAITLISTED
    plan = event.seat_plan() if waiting or own_invitations else None
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "registration": registration,
            "waitlist_place": plan.place(registration.pk) if plan and registration else None,
            "can_manage": can_manage,
            "can_see_logistics": event.allows(user, Event.SEE_LOGISTICS),
            "can_see_link": event.allows(user, Event.SEE_LINK),
            "participants": _participants(event, user, can_manage),
            "sessions": event.sessions.all(),
            "documents": _documents(event, user),
            # Read only when the shared part of the page is rendered again (events/detail.html).
            "attendance": SimpleLazyObject(
                lambda: cached_public(f"event-attendance:{event.pk}", lambda: services.attendance_figures(event))
            ),
            "own_invitations": [(invitation, plan.seats_of(invitation)) for invitation in own_invitations if plan],
            "registration_choices": _registration_choices(request, event) if registration is None else None,
            "registration_form": SimpleLazyObject(lambda: _registration_form(request, event)),
            "viewer_zone": _viewer_zone(request),
            # Read by id, and only where the shared list of them is rendered again (events/detail.html).
            "series_events": _series_events(event, user) if event.series_id is not None else [],
        },
    )


def _documents(event: Event, user: Any) -> list[Document]:
    """The event's documents `user` may read. They are read for every reader alike and shared; the rule is asked
    only when there are any (most events have none)."""
    documents = cached_public(f"event-documents:{event.pk}", lambda: list(event.documents.all()))
    prefetch_access(documents, user, VIEW)
    return [document for document in documents if document.allows(user)]


def _participants(event: Event, user: Any, can_manage: bool) -> list[Any] | None:
    """The organisers see each participant; confirmed participants see the organisations that agreed to be
    listed, each once however many delegates it sends."""
    if not event.allows(user, Event.SEE_LOGISTICS):
        return None
    seated = event.registrations.filter(status__in=Registration.SEATED).visible_to(user)
    if can_manage:
        return list(seated.select_related("organization", "user"))
    return list(Organization.objects.filter(pk__in=seated.values("organization_id")).order_by("name"))


def _registration_choices(request: HttpRequest, event: Event) -> list[int] | None:
    """The organisations the person may register through, the verified ones they belong to (ids), or None where
    they may not register themselves (not signed in, by invitation only, cancelled or past). The registration form
    is shared by the readers offered the same choices (events/detail.html)."""
    if not request.user.is_authenticated or event.registration_mode == Event.RegistrationMode.INVITATION:
        return None
    if event.status != Event.Status.SCHEDULED or event.is_past:
        return None
    return sorted(viewer_of(request.user).verified)


def _registration_form(request: HttpRequest, event: Event, data: Any = None) -> RegistrationForm | None:
    choices = _registration_choices(request, event)
    if choices is None:
        return None
    return RegistrationForm(data, event=event, organizations=Organization.objects.filter(pk__in=choices))


def event_ical(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug)
    response = HttpResponse(
        calendar.build_calendar([event], request.user, event.title), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


# Calendar feeds ---------------------------------------------------------------------------------------

# Where a new feed address waits in the session between the reset and the page that shows it, once.
NEW_FEEDS_KEY = "new_calendar_feeds"


def _feed_addresses(request: HttpRequest, token: str) -> dict[str, str]:
    address = request.build_absolute_uri(reverse("events:feed", args=[token]))
    return {"https": address, "webcal": "webcal://" + address.split("://", 1)[1]}


@never_cache
@login_required
def my_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Your calendar: your own feed address, and those of the organisations you own. A new address is shown
    once, right after it is made; a POST makes (or resets) your own."""
    if request.method == "POST":
        token = services.reset_calendar_feed(request.user, user=request.user)
        request.session[NEW_FEEDS_KEY] = {**request.session.get(NEW_FEEDS_KEY, {}), "person": token}
        messages.success(request, _("Your calendar has a new address. The old one no longer works."))
        return redirect("events:my_calendar")
    new = request.session.pop(NEW_FEEDS_KEY, {})
    organizations = Organization.objects.filter(memberships__user=request.user).verified().filter(unhidden_q())
    owned = [
        (organization, _feed_addresses(request, new[f"{organization.pk}"]) if f"{organization.pk}" in new else None)
        for organization in organizations.allowing(request.user, Organization.MANAGE_MEMBERS)
        .select_related("calendar_feed")
        .order_by("name")
    ]
    return render(
        request,
        "events/my_calendar.html",
        {
            "feed": CalendarFeed.objects.filter(user=request.user).first(),
            "new_addresses": _feed_addresses(request, new["person"]) if "person" in new else None,
            "owned": owned,
            "others": organizations.exclude(pk__in=[organization.pk for organization, _new in owned]),
        },
    )


@login_required
@require_POST
def reset_organization_feed(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """An organisation's owners give it a new feed address (resetting who can read its calendar, as deciding who
    belongs to it is theirs); the old address stops working."""
    organization = get_object_or_404(Organization.objects.verified().filter(unhidden_q()), slug=slug)
    if not organization.allows(request.user, Organization.MANAGE_MEMBERS):
        raise Http404
    token = services.reset_calendar_feed(request.user, organization=organization)
    request.session[NEW_FEEDS_KEY] = {**request.session.get(NEW_FEEDS_KEY, {}), f"{organization.pk}": token}
    messages.success(request, _("The organisation's calendar has a new address. The old one no longer works."))
    return redirect("events:my_calendar")


@never_cache
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar feed, for calendar apps (which cannot log in): the secret address is the authority, and what
    it holds is what its holder may see now. Never stored in the public cache (never_cache: private)."""
    body = calendar.feed_for_token(token)
    if body is None:
        raise Http404
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@never_cache
def retired_feed(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The old organisation feed addresses (a signature of the organisation's id) could not be revoked: they are
    gone for good, and the page says how to get a new address."""
    return render(request, "events/feed_gone.html", status=410)


@login_required
def event_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    event = _event_for(request, slug, manage=True) if slug else None
    if event is None and not viewer_of(request.user).may_coordinate:
        raise PermissionDenied
    form = EventForm(request.POST or None, instance=event, organisers=coordinated_organizations(request.user))
    seats_lost = None
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = request.POST.get("confirm_seats") == "1"
            event = services.save_event(request.user, form.save(commit=False), confirmed=confirmed)
        except services.SeatsPromised as error:
            seats_lost = error.lost
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for warning in services.scheduling_warnings(event, request.user):
                messages.warning(request, warning)
            messages.success(request, _("The event is saved."))
            return redirect(event)
    return render(request, "events/form.html", {"form": form, "event": event, "seats_lost": seats_lost})


@login_required
@limited("invite_organizations")
def event_manage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug, manage=True)
    # The picker's filters come in the address, and again in the invitation's POST (for "all matching").
    picker = OrganizationPicker(request.POST if request.method == "POST" else request.GET, who=request.user)
    matching = picker.matching().exclude(event_invitations__event=event)
    invite_form = InviteForm(
        request.POST or None, candidates=candidates(request.user), matching=matching, filtered=bool(picker.chosen())
    )
    if request.method == "POST" and invite_form.is_valid():
        chosen = list(invite_form.selected())
        for warning in services.scheduling_warnings(event, request.user, chosen):
            messages.warning(request, warning)
        invited = services.invite_organizations(request.user, event, chosen, seats=invite_form.cleaned_data["seats"])
        messages.success(request, _("%(count)s organisations invited.") % {"count": len(invited)})
        return redirect("events:manage", slug)
    plan = event.seat_plan()
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "picker": picker,
            "results": Paginator(matching, PICKER_PAGE_SIZE).get_page(request.GET.get("page")),
            "invite_form": invite_form,
            "invitations": [
                (invitation, plan.invitations.get(invitation.pk))
                for invitation in event.invitations.select_related("organization")
            ],
            "plan": plan,
            "registrations": event.registrations.select_related("user", "organization").order_by(
                "status", "created_at"
            ),
            # Three forms on one page: the agenda's and the documents' fields get ids of their own, so that each
            # label names its own field (the invitation form and the document form both have a "kind").
            "session_form": SessionForm(event=event, auto_id="session-%s"),
            "document_form": DocumentForm(auto_id="document-%s"),
            "sessions": event.sessions.all(),
            "documents": event.documents.all(),
        },
    )


@login_required
@require_POST
def session_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug, manage=True)
    form = SessionForm(request.POST, event=event)
    if form.is_valid():
        session = form.save(commit=False)
        session.event = event
        session.save()
        messages.success(request, _("The session was added to the agenda."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("events:manage", slug)


@login_required
@require_POST
def session_remove(request: AuthenticatedHttpRequest, slug: str, session_id: int) -> HttpResponse:
    event = _event_for(request, slug, manage=True)
    get_object_or_404(Session, pk=session_id, event=event).delete()
    return redirect("events:manage", slug)


@accepts_upload(MAX_DOCUMENT_BYTES)
@login_required
@require_POST
def document_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug, manage=True)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        document = form.save(commit=False)
        document.event = event
        document.save()
        messages.success(request, _("The document was added."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect("events:manage", slug)


def document_download(request: HttpRequest, slug: str, document_id: int) -> FileResponse:
    event = _event_for(request, slug)
    document = get_object_or_404(Document, pk=document_id, event=event)
    if not document.allows(request.user):
        raise Http404
    audit.record(request, audit.Action.DOCUMENT_DOWNLOADED, target=document)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{event.slug}-{document.pk}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def invitation_seats(request: AuthenticatedHttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    """The organisers change the seats offered to one organisation, told first whom it affects."""
    event = _event_for(request, slug, manage=True)
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=invitation_id, event=event)
    form = SeatsForm(request.POST)
    if not form.is_valid():
        _report(request, ValidationError(list(form.errors["seats"])))
        return redirect("events:manage", slug)
    seats = form.cleaned_data["seats"]
    try:
        services.change_invitation_seats(
            request.user, invitation, seats, confirmed=request.POST.get("confirm_seats") == "1"
        )
    except services.SeatsPromised as error:
        context = {"event": event, "invitation": invitation, "seats": seats, "seats_lost": error.lost}
        return render(request, "events/confirm_seats.html", context)
    messages.success(request, _("The seats were changed."))
    return redirect("events:manage", slug)


@login_required
def invitation(request: AuthenticatedHttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    """The invited organisation's owners answer and name delegates, members or anyone by email."""
    event = _event_for(request, slug)
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), pk=invitation_id, event=event)
    if not invitation.allows(request.user, MANAGE):
        raise Http404
    members = User.objects.filter(memberships__organization=invitation.organization, is_active=True)
    answer_form = InvitationAnswerForm(
        request.POST if "answer" in request.POST else None,
        initial={"listed_to_participants": invitation.listed_to_participants},
    )
    delegate_form = DelegateForm(request.POST if "delegate" in request.POST else None, members=members)
    try:
        if answer_form.is_valid():
            services.answer_invitation(
                request.user,
                invitation,
                accept=answer_form.cleaned_data["accept"],
                listed_to_participants=answer_form.cleaned_data["listed_to_participants"],
            )
            messages.success(request, _("Your answer was sent to the organisers."))
            return redirect("events:invitation", slug, invitation_id)
        if delegate_form.is_valid():
            _name_delegate(request, invitation, delegate_form.cleaned_data)
            return redirect("events:invitation", slug, invitation_id)
    except ValidationError as error:
        _report(request, error)
    plan = event.seat_plan()
    delegates = invitation.delegates.filter(status__in=Registration.ACTIVE).select_related("user")
    return render(
        request,
        "events/invitation.html",
        {
            "event": event,
            "invitation": invitation,
            "answer_form": answer_form,
            "delegate_form": delegate_form,
            "seats": plan.seats_of(invitation),
            "delegates": [(delegate, plan.place(delegate.pk)) for delegate in delegates],
            "holds": invitation.holds.active(),
        },
    )


def _name_delegate(request: AuthenticatedHttpRequest, invitation: Invitation, data: dict[str, Any]) -> None:
    needs = {"accessibility_needs": data["accessibility_needs"], "needs_visa_letter": data["needs_visa_letter"]}
    named: Registration | SeatHold
    if data["user"] is not None:
        named = services.name_delegate(request.user, invitation, data["user"], **needs)
    else:
        named = services.invite_delegate(request.user, invitation, data["email"], **needs)
    if isinstance(named, SeatHold):
        messages.success(request, _("%(email)s is invited and their seat is held.") % {"email": named.email})
    elif named.status == Registration.Status.WAITLISTED:
        place = named.event.seat_plan().place(named.pk)
        messages.warning(
            request,
            _("No seat promised to your organisation is free: the delegate is number %(place)s on the waiting list.")
            % {"place": place},
        )
    else:
        messages.success(request, _("The delegate is registered and has been emailed."))


@never_cache
def delegation(request: HttpRequest, token: str) -> HttpResponse:
    """A person named delegate by email joins the organisation and takes the held seat in one step."""
    try:
        membership_invitation = organization_services.invitation_from_token(token)
        hold = get_object_or_404(
            SeatHold.objects.select_related("invitation__event"), membership_invitation=membership_invitation
        )
    except ValidationError as error:
        return render(request, "events/delegation.html", {"error": error.messages[0]}, status=400)
    context = {"hold": hold, "invitation": membership_invitation, "event": hold.invitation.event}
    if request.method == "POST" and request.user.is_authenticated:
        try:
            registration = services.accept_delegation(request.user, token)
        except ValidationError as error:
            return render(request, "events/delegation.html", {**context, "error": error.messages[0]}, status=400)
        messages.success(request, registration.get_status_display())
        return redirect(registration.event)
    return render(request, "events/delegation.html", context)


@login_required
@require_POST
def register(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug)
    form = _registration_form(request, event, request.POST)
    if form is None:
        messages.error(request, _("Registration for this event is closed."))
        return redirect(event)
    if form.is_valid():
        try:
            registration = services.register(request.user, event, **form.cleaned_data)
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, registration.get_status_display())
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
    return redirect(event)


@login_required
def cancel(request: AuthenticatedHttpRequest, slug: str, registration_id: int) -> HttpResponse:
    """Asks first (a page of its own, no script needed); cancels on the confirming POST."""
    event = _event_for(request, slug)
    registration = get_object_or_404(
        Registration.objects.select_related("user", "organization"), pk=registration_id, event=event
    )
    if not registration.allows(request.user, MANAGE):
        raise Http404
    target = request.POST.get("next") or request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if request.method != "POST" or request.POST.get("confirm") != "1":
        context = {"event": event, "registration": registration, "next": target if safe else ""}
        return render(request, "events/cancel.html", context)
    try:
        services.cancel_registration(request.user, registration)
        messages.success(request, _("The registration is cancelled."))
    except ValidationError as error:
        _report(request, error)
    return redirect(target if safe else event)


@login_required
@require_POST
def registration_action(request: AuthenticatedHttpRequest, slug: str, registration_id: int) -> HttpResponse:
    """The organisers accept an expression of interest, mark attendance or issue a visa letter."""
    event = _event_for(request, slug, manage=True)
    registration = get_object_or_404(Registration, pk=registration_id, event=event)
    action = request.POST.get("action")
    try:
        if action in ("accept", "decline"):
            services.decide_interest(request.user, registration, accept=action == "accept")
        elif action in ("attended", "absent"):
            services.mark_attendance(request.user, registration, attended=action == "attended")
        elif action == "visa_letter":
            services.issue_visa_letter(request.user, registration)
        else:
            raise ValidationError(_("Unknown action."))
        messages.success(request, _("Done."))
    except ValidationError as error:
        _report(request, error)
    return redirect("events:manage", slug)


@login_required
def visa_letter(request: AuthenticatedHttpRequest, slug: str, registration_id: int) -> HttpResponseBase:
    """The visa invitation letter: for the participant it names and the organisers, rendered by Celery."""
    event = _event_for(request, slug)
    registration = get_object_or_404(
        Registration.objects.select_related("user", "organization"),
        pk=registration_id,
        event=event,
        visa_letter_issued_at__isnull=False,
    )
    if not registration.allows(request.user, Registration.VISA_LETTER):
        raise Http404
    language = get_language()
    response = printing.serve_or_queue(
        request,
        pdf.Printout("visa_letter", registration.pk, language, services.visa_letter_html(registration, language)),
        filename=f"visa-letter-{event.slug}.pdf",
        back_url=event.get_absolute_url(),
    )
    if response.status_code == 200:  # the letter itself, not the "being prepared" page
        # The event, not the registration, as target: the entry names no participant.
        audit.record(
            request,
            audit.Action.DOCUMENT_DOWNLOADED,
            target=event,
            document="visa_letter",
            registration=registration.pk,
        )
    return response
