"""Journeys through the real pages of a consultation: inviting organisations, answering and naming delegates,
open registration with a waiting list, expressions of interest, attendance, reminders, visa letters,
working groups, scheduling warnings and bad input. Email goes out as in production: queued after the
transaction commits, sent by Celery (eager in tests), read from Django's outbox."""

from __future__ import annotations

import datetime
import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from events import services
from events.models import Event, EventSeries, Invitation, Registration
from organizations.models import Membership, Organization, Topic
from portal.models import User
from tests.events.conftest import client_for, event_form, mail_to, member, recipients, text_of
from tests.factories import (
    EventFactory,
    InvitationFactory,
    OrganizationFactory,
    RegistrationFactory,
    UserFactory,
    host_organization,
    make_coordinator,
)
from tests.portal.conftest import elements_by_id

pytestmark = pytest.mark.django_db

Send = Callable[..., Any]
LINK = "https://meet.example.org/lausanne-platform"


@pytest.fixture
def coordinator() -> User:
    """Lina, an editor of the IIIM (the organiser, a verified host organisation)."""
    return make_coordinator(Membership.Role.EDITOR, email="lina@iiim.example.org", full_name="Lina Coordinator")


def topic(slug: str) -> Topic:
    return Topic.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").capitalize()})[0]


def page_of(client: Client, event: Event) -> str:
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    return text_of(response)


def messages_on(response: Any) -> str:
    return " ".join(html.unescape(str(message)) for message in response.context["messages"])


def invitation_event(**fields: Any) -> Event:
    """A closed, hybrid consultation by invitation, a month from now."""
    return EventFactory(
        **{
            "title_en": "Children and Youth Strategy consultation",
            "visibility": Event.Visibility.CLOSED,
            "registration_mode": Event.RegistrationMode.INVITATION,
            "format": Event.Format.HYBRID,
            "street_address": "Rue de la Canarie 13, 1202 Geneva",
            "online_link": LINK,
        }
        | fields
    )


# Invitations ------------------------------------------------------------------------------------------


def test_coordinator_invites_the_verified_organisations_working_on_a_topic(coordinator: User, send: Send) -> None:
    children = topic("children-youth")
    event = invitation_event()
    chosen = []
    for name in ("Taafi Initiative", "Release Me Organization"):
        organization = OrganizationFactory(name_en=name)
        organization.topics.add(children)
        chosen.append(organization)
    other_topic = OrganizationFactory(name_en="Syrians for Truth and Justice")
    other_topic.topics.add(topic("documentation"))
    pending = OrganizationFactory(name_en="Hope for Detainees' Families", status=Organization.Status.PENDING)
    pending.topics.add(children)
    suspended = OrganizationFactory(name_en="Suspended Association", status=Organization.Status.SUSPENDED)
    suspended.topics.add(children)
    owners = [member(organization, Membership.Role.OWNER) for organization in [*chosen, other_topic, pending]]
    editors = [member(organization, Membership.Role.EDITOR) for organization in chosen]

    response = send(
        client_for(coordinator),
        f"/en/events/{event.slug}/manage/",
        {"topic": children.slug, "seats": "3", "invite": "all"},
        follow=True,
    )

    assert response.status_code == 200
    assert "2 organisations invited." in messages_on(response)
    invitations = Invitation.objects.filter(event=event)
    assert {invitation.organization for invitation in invitations} == set(chosen)
    assert {invitation.seats for invitation in invitations} == {3}
    assert {invitation.invited_by for invitation in invitations} == {coordinator}
    # The owners of the invited organisations are emailed, nobody else.
    assert recipients() == {owners[0].email, owners[1].email}
    assert not {editor.email for editor in editors} & recipients()
    message = mail_to(owners[0])[0]
    assert message.subject == "Invitation: Children and Youth Strategy consultation"
    invitation = invitations.get(organization=chosen[0])
    assert f"/en/events/{event.slug}/invitations/{invitation.pk}/" in message.body
    # The email carries neither the street address nor the link: the owner is not a participant yet.
    assert "Canarie" not in message.body
    assert LINK not in message.body


def test_inviting_again_invites_no_organisation_twice(coordinator: User, send: Send) -> None:
    children = topic("children-youth")
    event = invitation_event()
    organization = OrganizationFactory()
    organization.topics.add(children)
    owner = member(organization, Membership.Role.OWNER)
    manage = f"/en/events/{event.slug}/manage/"

    send(client_for(coordinator), manage, {"topic": children.slug, "seats": "2", "invite": "all"})
    response = send(client_for(coordinator), manage, {"organizations": [organization.pk], "seats": "2"}, follow=True)

    assert "0 organisations invited." in messages_on(response)
    assert Invitation.objects.filter(event=event).count() == 1
    assert len(mail_to(owner)) == 1


def test_invitation_without_a_choice_is_refused(coordinator: User, send: Send) -> None:
    event = invitation_event()

    response = send(client_for(coordinator), f"/en/events/{event.slug}/manage/", {"seats": "2", "invite": "chosen"})

    assert response.status_code == 200
    assert "Tick the organisations to invite, or invite all those matching." in text_of(response)
    assert not Invitation.objects.filter(event=event).exists()


def test_only_the_organisers_may_invite(send: Send) -> None:
    event = invitation_event(visibility=Event.Visibility.PUBLIC)
    other_host = OrganizationFactory(name_en="Office of the UN Special Envoy for Syria", is_host=True)
    organization = OrganizationFactory()

    for outsider in (member(other_host, Membership.Role.OWNER), member(host_organization(), Membership.Role.MEMBER)):
        response = send(
            client_for(outsider),
            f"/en/events/{event.slug}/manage/",
            {"organizations": [organization.pk], "seats": 2},
        )
        assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.fixture
def invited() -> dict[str, Any]:
    """Taafi Initiative invited to the closed consultation with two seats; its owner, two colleagues and a
    person from elsewhere."""
    event = invitation_event()
    taafi = OrganizationFactory(name_en="Taafi Initiative", slug="taafi")
    organiser = member(host_organization(), Membership.Role.OWNER, email="head@iiim.example.org")
    return {
        "event": event,
        "organiser": organiser,
        "invitation": InvitationFactory(event=event, organization=taafi, seats=2),
        "owner": member(taafi, Membership.Role.OWNER, email="owner@taafi.example.org"),
        "colleagues": [
            member(taafi, Membership.Role.MEMBER, email="amal@taafi.example.org", full_name="Amal Haddad"),
            member(taafi, Membership.Role.MEMBER, email="omar@taafi.example.org", full_name="Omar Khatib"),
            member(taafi, Membership.Role.EDITOR, email="sara@taafi.example.org", full_name="Sara Nasser"),
        ],
        "outsider": member(OrganizationFactory(), Membership.Role.MEMBER, full_name="Someone Elsewhere"),
    }


def invitation_path(invited: dict[str, Any]) -> str:
    return f"/en/events/{invited['event'].slug}/invitations/{invited['invitation'].pk}/"


def accept(send: Send, invited: dict[str, Any], **extra: str) -> Any:
    data = {"answer": "1", "accept": "1", **extra}
    return send(client_for(invited["owner"]), invitation_path(invited), data, follow=True)


def name_delegate(send: Send, invited: dict[str, Any], delegate: User) -> Any:
    data = {"delegate": "1", "user": delegate.pk, "accessibility_needs": ""}
    return send(client_for(invited["owner"]), invitation_path(invited), data, follow=True)


def test_owner_accepts_and_names_a_colleague_who_is_confirmed_and_emailed(invited: dict[str, Any], send: Send) -> None:
    event, amal = invited["event"], invited["colleagues"][0]
    owner_client = client_for(invited["owner"])
    assert "Answer and name delegates" in page_of(owner_client, event)
    assert owner_client.get(invitation_path(invited)).status_code == 200

    response = accept(send, invited, listed_to_participants="on")

    assert "Your answer was sent to the organisers." in messages_on(response)
    invitation = Invitation.objects.get(pk=invited["invitation"].pk)
    assert (invitation.status, invitation.listed_to_participants) == (Invitation.Status.ACCEPTED, True)
    assert mail_to(invited["organiser"])[-1].subject == (
        "Taafi Initiative accepted the invitation to Children and Youth Strategy consultation"
    )
    assert LINK not in page_of(owner_client, event)  # accepting does not make the owner a participant

    mail.outbox.clear()
    response = name_delegate(send, invited, amal)

    assert "The delegate is registered and has been emailed." in messages_on(response)
    registration = Registration.objects.get(event=event, user=amal)
    assert registration.status == Registration.Status.CONFIRMED
    assert (registration.organization, registration.invitation) == (invitation.organization, invitation)
    assert recipients() == {amal.email}
    assert mail.outbox[0].subject == "You are registered for Children and Youth Strategy consultation"
    # Now Amal, and only Amal, sees where and how to join: the link from its release time on.
    assert "Rue de la Canarie 13" in page_of(client_for(amal), event)
    assert "The meeting link appears at" in page_of(client_for(amal), event)
    assert LINK not in page_of(client_for(amal), event)
    Event.objects.filter(pk=event.pk).update(link_release_at=timezone.now())
    assert LINK in page_of(client_for(amal), event)
    assert LINK not in page_of(client_for(invited["colleagues"][1]), event)


def test_an_organisation_cannot_name_more_delegates_than_its_seats(invited: dict[str, Any], send: Send) -> None:
    accept(send, invited)
    first, second, third = invited["colleagues"]
    name_delegate(send, invited, first)
    name_delegate(send, invited, second)

    response = name_delegate(send, invited, third)

    assert "All 2 seats of your invitation are taken." in messages_on(response)
    assert not Registration.objects.filter(user=third).exists()
    assert Registration.objects.filter(invitation=invited["invitation"]).count() == 2


def test_a_person_outside_the_organisation_cannot_be_named(invited: dict[str, Any], send: Send) -> None:
    accept(send, invited)
    mail.outbox.clear()

    response = name_delegate(send, invited, invited["outsider"])

    assert response.status_code == 200
    assert "Select a valid choice." in text_of(response)
    assert not Registration.objects.exists()
    assert mail.outbox == []
    # The rule holds below the form too.
    with pytest.raises(ValidationError, match=r"Delegates must be members of your organisation\."):
        services.name_delegate(invited["owner"], invited["invitation"], invited["outsider"])


def test_delegates_are_named_only_after_accepting(invited: dict[str, Any], send: Send) -> None:
    response = name_delegate(send, invited, invited["colleagues"][0])

    assert "Accept the invitation before naming delegates." in messages_on(response)
    assert not Registration.objects.exists()


def test_only_the_owners_of_the_invited_organisation_answer(invited: dict[str, Any], send: Send) -> None:
    for someone in (invited["colleagues"][2], invited["outsider"], invited["colleagues"][0]):
        client = client_for(someone)
        assert client.get(invitation_path(invited)).status_code == 404
        assert send(client, invitation_path(invited), {"answer": "1", "accept": "1"}).status_code == 404
    assert Invitation.objects.get(pk=invited["invitation"].pk).status == Invitation.Status.PENDING


def test_declining_cancels_the_delegates(invited: dict[str, Any], send: Send) -> None:
    accept(send, invited)
    first, second, _third = invited["colleagues"]
    name_delegate(send, invited, first)
    name_delegate(send, invited, second)

    response = send(client_for(invited["owner"]), invitation_path(invited), {"answer": "1", "accept": "0"})

    assert response.status_code == 302
    invitation = Invitation.objects.get(pk=invited["invitation"].pk)
    assert invitation.status == Invitation.Status.DECLINED
    assert set(Registration.objects.values_list("status", flat=True)) == {Registration.Status.CANCELLED}
    assert LINK not in page_of(client_for(first), invited["event"])
    assert mail_to(invited["organiser"])[-1].subject.startswith("Taafi Initiative declined the invitation")


# Open registration and the waiting list --------------------------------------------------------------


def register(send: Send, user: User, event: Event, **data: str) -> Any:
    return send(client_for(user), f"/en/events/{event.slug}/register/", data, follow=True)


def test_open_registration_confirms_until_full_then_waitlists(send: Send) -> None:
    event = EventFactory(capacity=2, registration_mode=Event.RegistrationMode.OPEN)
    people = [UserFactory() for _number in range(4)]

    statuses = [messages_on(register(send, person, event)) for person in people]

    assert statuses == ["Confirmed", "Confirmed", "On the waiting list", "On the waiting list"]
    assert [Registration.objects.get(user=person).status for person in people] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert mail_to(people[0])[0].subject == f"You are registered for {event.title}"
    assert mail_to(people[2])[0].subject == f"You are on the waiting list for {event.title}"


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list(send: Send) -> None:
    event = EventFactory(capacity=2, registration_mode=Event.RegistrationMode.OPEN)
    first, second, waiting, later = (UserFactory() for _number in range(4))
    for person in (first, second, waiting, later):
        register(send, person, event)
    mail.outbox.clear()
    seat = Registration.objects.get(user=first)

    response = send(
        client_for(first), f"/en/events/{event.slug}/registrations/{seat.pk}/cancel/", {"confirm": "1"}, follow=True
    )

    assert "The registration is cancelled." in messages_on(response)
    assert Registration.objects.get(pk=seat.pk).status == Registration.Status.CANCELLED
    assert Registration.objects.get(user=waiting).status == Registration.Status.CONFIRMED
    assert Registration.objects.get(user=later).status == Registration.Status.WAITLISTED
    assert recipients() == {waiting.email}
    assert mail.outbox[0].subject == f"A place is yours: {event.title}"
    assert Registration.objects.filter(event=event, status__in=Registration.SEATED).count() == 2


@pytest.mark.parametrize("target", ["//evil.example.org/", "https://evil.example.org/", "/\\evil.example.org/"])
def test_cancelling_never_sends_the_person_to_another_site(send: Send, target: str) -> None:
    event = EventFactory()
    seat = RegistrationFactory(event=event)

    response = send(
        client_for(seat.user),
        f"/en/events/{event.slug}/registrations/{seat.pk}/cancel/",
        {"next": target, "confirm": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()


def test_nobody_cancels_someone_elses_registration(send: Send) -> None:
    event = EventFactory(capacity=2)
    seat = RegistrationFactory(event=event)

    response = send(client_for(UserFactory()), f"/en/events/{event.slug}/registrations/{seat.pk}/cancel/")

    assert response.status_code == 404
    assert Registration.objects.get(pk=seat.pk).status == Registration.Status.CONFIRMED


def test_an_invitation_only_event_takes_no_open_registration(send: Send) -> None:
    event = EventFactory(registration_mode=Event.RegistrationMode.INVITATION)

    response = register(send, UserFactory(), event)

    assert "Registration for this event is closed." in messages_on(response)
    assert not Registration.objects.exists()


# Expressions of interest ------------------------------------------------------------------------------


def test_expression_of_interest_needs_a_statement_and_is_confirmed_by_the_coordinator(
    coordinator: User, send: Send
) -> None:
    event = EventFactory(registration_mode=Event.RegistrationMode.INTEREST, title_en="Victims' Voices briefing")
    person = UserFactory(email="nour@jazira-families.example.org")

    response = register(send, person, event, interest_statement="   ")

    assert "This field is required." in messages_on(response)
    assert not Registration.objects.exists()
    with pytest.raises(ValidationError, match=r"Tell the organisers"):
        services.register(person, event, interest_statement="")

    response = register(send, person, event, interest_statement="We document enforced disappearances in Hasakah.")

    registration = Registration.objects.get(user=person)
    assert registration.status == Registration.Status.PENDING
    assert mail_to(person)[-1].subject == "We received your interest in Victims' Voices briefing"
    assert "Pending" in messages_on(response)

    manage = client_for(coordinator)
    assert "We document enforced disappearances in Hasakah." in text_of(manage.get(f"/en/events/{event.slug}/manage/"))
    send(manage, f"/en/events/{event.slug}/registrations/{registration.pk}/", {"action": "accept"})

    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.CONFIRMED
    assert mail_to(person)[-1].subject == "You are registered for Victims' Voices briefing"


def test_only_the_organisers_decide_on_interest(send: Send) -> None:
    event = EventFactory(registration_mode=Event.RegistrationMode.INTEREST)
    registration = RegistrationFactory(event=event, status=Registration.Status.PENDING, interest_statement="Please")
    other_coordinator = make_coordinator(
        organization=OrganizationFactory(name_en="Office of the UN Special Envoy for Syria", is_host=True)
    )

    response = send(
        client_for(other_coordinator), f"/en/events/{event.slug}/registrations/{registration.pk}/", {"action": "accept"}
    )

    assert response.status_code == 403
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.PENDING


# Attendance -------------------------------------------------------------------------------------------


def test_marking_attendance_tells_how_many_organisations_attended(coordinator: User, send: Send) -> None:
    event = EventFactory(title_en="Lausanne Platform")
    organizations = [OrganizationFactory() for _number in range(3)]
    people = [
        RegistrationFactory(event=event, organization=organizations[0]),
        RegistrationFactory(event=event, organization=organizations[0]),
        RegistrationFactory(event=event, organization=organizations[1]),
        RegistrationFactory(event=event, organization=organizations[2]),
        RegistrationFactory(event=event),  # on their own behalf
    ]
    absent = RegistrationFactory(event=event, organization=OrganizationFactory())
    assert "attended" not in page_of(Client(), event)

    for registration in people:
        send(
            client_for(coordinator),
            f"/en/events/{event.slug}/registrations/{registration.pk}/",
            {"action": "attended"},
        )

    assert Registration.objects.get(pk=absent.pk).status == Registration.Status.CONFIRMED
    assert Registration.objects.filter(status=Registration.Status.ATTENDED).count() == 5
    assert "Representatives of 3 organisations attended." in page_of(Client(), event)

    send(client_for(coordinator), f"/en/events/{event.slug}/registrations/{people[3].pk}/", {"action": "absent"})

    assert "Representatives of 2 organisations attended." in page_of(Client(), event)


def test_only_confirmed_participants_are_marked_as_attending(coordinator: User, send: Send) -> None:
    event = EventFactory()
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, organization=OrganizationFactory()
    )

    response = send(
        client_for(coordinator),
        f"/en/events/{event.slug}/registrations/{waiting.pk}/",
        {"action": "attended"},
        follow=True,
    )

    assert "Only confirmed participants can be marked as attending." in messages_on(response)
    assert "attended" not in page_of(Client(), event)


# Reminders --------------------------------------------------------------------------------------------


def test_invitation_reminders_go_once_to_the_owners_who_have_not_answered(
    django_capture_on_commit_callbacks: Any,
) -> None:
    now = timezone.now()
    event = invitation_event()
    silent = InvitationFactory(event=event, created_at=now - datetime.timedelta(days=6))
    answered = InvitationFactory(
        event=event, created_at=now - datetime.timedelta(days=6), status=Invitation.Status.ACCEPTED
    )
    recent = InvitationFactory(event=event, created_at=now - datetime.timedelta(days=1))
    owner = member(silent.organization, Membership.Role.OWNER)
    colleague = member(silent.organization, Membership.Role.EDITOR)
    for invitation in (answered, recent):
        member(invitation.organization, Membership.Role.OWNER)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_invitation_reminders(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        sent_again = services.send_invitation_reminders(now=now + datetime.timedelta(hours=1))

    assert (sent, sent_again) == (1, 0)
    assert recipients() == {owner.email}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Reminder: your invitation to {event.title} awaits an answer"
    assert colleague.email not in recipients()
    assert Invitation.objects.get(pk=silent.pk).reminded_at == now


def test_event_reminders_go_once_to_confirmed_participants(django_capture_on_commit_callbacks: Any) -> None:
    now = timezone.now()
    tomorrow = EventFactory(
        starts_at=now + datetime.timedelta(days=1), ends_at=now + datetime.timedelta(days=1, hours=3)
    )
    next_month = EventFactory()
    confirmed = RegistrationFactory(event=tomorrow)
    RegistrationFactory(event=tomorrow, status=Registration.Status.WAITLISTED)
    RegistrationFactory(event=tomorrow, status=Registration.Status.CANCELLED)
    RegistrationFactory(event=next_month)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_event_reminders(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        sent_again = services.send_event_reminders(now=now + datetime.timedelta(hours=1))

    assert (sent, sent_again) == (1, 0)
    assert recipients() == {confirmed.user.email}
    assert mail.outbox[0].subject == f"Soon: {tomorrow.title}"


# Visa letters -----------------------------------------------------------------------------------------


@pytest.fixture
def private_media(settings: Any, tmp_path: Path) -> Path:
    """Rendered PDFs go to a fresh folder per test."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def pdf_text(response: Any) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_participant_downloads_the_visa_letter_that_names_them(
    coordinator: User, send: Send, private_media: Path
) -> None:
    event = invitation_event(title_en="Lausanne Platform", city="Lausanne")
    taafi = OrganizationFactory(name_en="Taafi Initiative")
    amal = member(taafi, Membership.Role.MEMBER, full_name="Amal Haddad", email="amal@taafi.example.org")
    invitation = InvitationFactory(event=event, organization=taafi, status=Invitation.Status.ACCEPTED)
    registration = RegistrationFactory(event=event, user=amal, invitation=invitation, needs_visa_letter=True)
    letter = f"/en/events/{event.slug}/registrations/{registration.pk}/visa-letter/"
    assert client_for(amal).get(letter).status_code == 404  # not issued yet

    send(
        client_for(coordinator), f"/en/events/{event.slug}/registrations/{registration.pk}/", {"action": "visa_letter"}
    )

    assert Registration.objects.get(pk=registration.pk).visa_letter_issued_at is not None
    assert mail_to(amal)[-1].subject == "Your visa invitation letter for Lausanne Platform"
    assert "Download your visa invitation letter (PDF)" in page_of(client_for(amal), event)
    response = client_for(amal).get(letter)
    assert response.status_code == 200
    text = pdf_text(response)
    assert "Amal Haddad" in text
    assert "Lausanne Platform" in text
    assert "Taafi Initiative" in text
    # A colleague, who may see the event, does not get Amal's letter; nor does a stranger.
    colleague = member(taafi, Membership.Role.OWNER)
    assert client_for(colleague).get(letter).status_code == 404
    assert client_for(UserFactory()).get(letter).status_code == 404
    # The organisers may download it.
    assert client_for(coordinator).get(letter).status_code == 200


def test_no_visa_letter_for_who_did_not_ask(coordinator: User, send: Send) -> None:
    event = EventFactory()
    registration = RegistrationFactory(event=event, needs_visa_letter=False)

    response = send(
        client_for(coordinator),
        f"/en/events/{event.slug}/registrations/{registration.pk}/",
        {"action": "visa_letter"},
        follow=True,
    )

    assert "A visa letter is issued to confirmed participants who asked for one." in messages_on(response)
    assert Registration.objects.get(pk=registration.pk).visa_letter_issued_at is None


# Scheduling through the form --------------------------------------------------------------------------


def test_a_new_meeting_of_a_working_group_invites_its_members(coordinator: User, send: Send) -> None:
    h = host_organization()
    group = EventSeries.objects.create(
        owner=h, slug="cssr-local-governance", title_en="Working group on local governance", is_working_group=True
    )
    stj, scm = OrganizationFactory(name_en="Syrians for Truth and Justice"), OrganizationFactory()
    unverified = OrganizationFactory(name_en="Newcomers' Association", status=Organization.Status.PENDING)
    group.members.set([stj, scm, unverified])
    owners = [member(organization, Membership.Role.OWNER) for organization in (stj, scm, unverified)]

    response = send(
        client_for(coordinator),
        "/en/events/new/",
        event_form(h, series=group.pk, kind=Event.Kind.WORKING_GROUP, title_en="Working group: third meeting"),
    )

    assert response.status_code == 302
    event = Event.objects.get(title_en="Working group: third meeting")
    assert event.series == group
    assert set(event.invitations.values_list("organization", flat=True)) == {stj.pk, scm.pk}
    assert recipients() == {owners[0].email, owners[1].email}


def test_an_overlapping_event_of_the_same_organiser_warns_after_saving(coordinator: User, send: Send) -> None:
    h = host_organization()
    data = event_form(h)
    day = data["starts_at"][:10]
    start = datetime.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=datetime.UTC)
    EventFactory(
        owner=h, title_en="Briefing on the Central Repository", starts_at=start, ends_at=start.replace(hour=14)
    )

    response = send(client_for(coordinator), "/en/events/new/", data, follow=True)

    assert response.status_code == 200
    assert Event.objects.filter(title_en=data["title_en"]).exists()
    assert "Overlaps with your event “Briefing on the Central Repository”." in messages_on(response)
    assert "The event is saved." in messages_on(response)


def test_an_event_of_another_organiser_at_the_same_time_does_not_warn(coordinator: User, send: Send) -> None:
    h = host_organization()
    data = event_form(h, venue="")
    start = datetime.datetime.fromisoformat(data["starts_at"]).replace(tzinfo=datetime.UTC)
    other = OrganizationFactory(name_en="Office of the UN Special Envoy for Syria", is_host=True)
    EventFactory(owner=other, title_en="Envoy's briefing", starts_at=start, ends_at=start.replace(hour=18))

    response = send(client_for(coordinator), "/en/events/new/", data, follow=True)

    assert "Overlaps" not in messages_on(response)


def test_warnings_name_no_event_the_coordinator_may_not_see(coordinator: User, send: Send) -> None:
    """Another organiser's closed consultation at the same venue and time, which an organisation being
    invited takes part in: the warnings must neither name it nor say who takes part in it."""
    h = host_organization()
    data = event_form(h)
    start = datetime.datetime.fromisoformat(data["starts_at"]).replace(tzinfo=datetime.UTC)
    envoy = OrganizationFactory(name_en="Office of the UN Special Envoy for Syria", is_host=True)
    secret = EventFactory(
        owner=envoy,
        title_en="Closed canary meeting with detainees' families",
        visibility=Event.Visibility.CLOSED,
        registration_mode=Event.RegistrationMode.INVITATION,
        venue=data["venue"],
        city=data["city"],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=4),
    )
    taafi = OrganizationFactory(name_en="Taafi Initiative")
    InvitationFactory(event=secret, organization=taafi, status=Invitation.Status.ACCEPTED)
    client = client_for(coordinator)
    assert client.get(secret.get_absolute_url()).status_code == 404

    response = send(client, "/en/events/new/", data, follow=True)
    event = Event.objects.get(title_en=data["title_en"])
    response_after_inviting = send(
        client, f"/en/events/{event.slug}/manage/", {"organizations": [taafi.pk], "seats": 2}, follow=True
    )

    for shown in (messages_on(response), messages_on(response_after_inviting)):
        assert "canary" not in shown
        assert "Taafi Initiative already takes part" not in shown
    assert Invitation.objects.filter(event=event, organization=taafi).exists()


def test_warnings_name_the_coordinators_own_overlapping_events(coordinator: User, send: Send) -> None:
    h = host_organization()
    data = event_form(h)
    start = datetime.datetime.fromisoformat(data["starts_at"]).replace(tzinfo=datetime.UTC)
    own = EventFactory(owner=h, title_en="Lausanne Platform", starts_at=start, ends_at=start.replace(hour=18))
    taafi = OrganizationFactory(name_en="Taafi Initiative")
    InvitationFactory(event=own, organization=taafi, status=Invitation.Status.ACCEPTED)
    client = client_for(coordinator)
    send(client, "/en/events/new/", data)
    event = Event.objects.get(title_en=data["title_en"])

    response = send(client, f"/en/events/{event.slug}/manage/", {"organizations": [taafi.pk], "seats": 2}, follow=True)

    assert "Taafi Initiative already takes part in “Lausanne Platform” at that time." in messages_on(response)


BAD_INPUT = {
    "end before start": ({"ends_at": "{day}T09:00"}, "ends_at", "The end must come after the start."),
    "end at the start": ({"ends_at": "{day}T10:00"}, "ends_at", "The end must come after the start."),
    "unknown time zone": (
        {"time_zone": "Mars/Olympus_Mons"},
        "time_zone",
        "No time zone is known for “Mars/Olympus_Mons”. Type a city or a country, such as Geneva or Switzerland.",
    ),
    "online without link": ({"format": "online"}, "online_link", "An online or hybrid event needs its online link."),
    "hybrid without link": ({"format": "hybrid"}, "online_link", "An online or hybrid event needs its online link."),
    "link that is not a web address": (
        {"format": "online", "online_link": "javascript:alert(1)"},
        "online_link",
        "Enter a valid URL.",
    ),
    "start that is not a time": ({"starts_at": "next Tuesday"}, "starts_at", "Enter a valid date/time."),
    "no start": ({"starts_at": ""}, "starts_at", "This field is required."),
    "no title": ({"title_en": ""}, "title_en", "This field is required."),
    "capacity of nobody": ({"capacity": "0"}, "capacity", "Ensure this value is greater than or equal to 1."),
    "unknown kind": ({"kind": "party"}, "kind", "Select a valid choice. party is not one of the available choices."),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_with_a_clear_error(coordinator: User, send: Send, case: str) -> None:
    overrides, field, error = BAD_INPUT[case]
    data = event_form(host_organization())
    day = data["starts_at"][:10]
    data |= {name: value.format(day=day) for name, value in overrides.items()}

    response = send(client_for(coordinator), "/en/events/new/", data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert error in html.unescape(response.content.decode())
    assert not Event.objects.exists()
    assert mail.outbox == []


def test_a_coordinator_cannot_schedule_for_another_host(coordinator: User, send: Send) -> None:
    other = OrganizationFactory(name_en="Office of the UN Special Envoy for Syria", is_host=True)

    response = send(client_for(coordinator), "/en/events/new/", event_form(other))

    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Event.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "cso_owner", "member_of_host"])
def test_only_coordinators_schedule_events(send: Send, role: str) -> None:
    person = {
        "anonymous": None,
        "cso_owner": member(OrganizationFactory(), Membership.Role.OWNER),
        "member_of_host": member(host_organization(), Membership.Role.MEMBER),
    }[role]

    response = send(client_for(person), "/en/events/new/", event_form(host_organization()))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    assert not Event.objects.exists()


def test_every_label_on_the_manage_page_names_its_own_field(coordinator: User) -> None:
    event = EventFactory(owner=host_organization())

    page = client_for(coordinator).get(f"/en/events/{event.slug}/manage/").content.decode()

    # The invitation form and the document form both have a "kind": each id once, each label for its own field.
    elements = elements_by_id(page)
    assert [id_ for id_, found in elements.items() if len(found) > 1] == []
    labelled = re.findall(r'<label for="([^"]+)"', page)
    assert labelled, "the page has no labels"
    assert [target for target in labelled if target not in elements] == []
    assert len(labelled) == len(set(labelled))
