"""Seats are a promise: accepted invitations reserve their seats in the order they were accepted, a delegate
who cannot be seated waits with their place shown and moves up (emailed) when a seat frees, coordinators are
told whom a smaller capacity or fewer seats affect before it is saved, and a colleague named by email gets one
invitation that makes them a member and the delegate, with the seat held until the event's hold expires."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from events import services
from events.models import Event, Invitation, Registration, SeatHold
from home import services as home_services
from organizations.models import Membership, MembershipInvitation
from portal.models import User
from tests.events.conftest import API, client_for, event_form, mail_to, member, text_of
from tests.factories import EventFactory, InvitationFactory, OrganizationFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db

Send = Callable[..., Any]


@pytest.fixture(autouse=True)
def english_afterwards() -> Any:
    """A French page leaves French active in the test's thread: the next addresses would be French."""
    yield
    translation.activate("en")


def meeting(capacity: int | None = 4, **fields: Any) -> Event:
    return EventFactory(
        title_en="Lausanne Platform meeting",
        visibility=Event.Visibility.CLOSED,
        registration_mode=Event.RegistrationMode.INVITATION,
        capacity=capacity,
        **fields,
    )


def invited(event: Event, name: str, seats: int = 2, *, accepted: bool = True) -> dict[str, Any]:
    organization = OrganizationFactory(name_en=name)
    invitation = InvitationFactory(event=event, organization=organization, seats=seats)
    owner = member(organization, Membership.Role.OWNER)
    if accepted:
        services.answer_invitation(owner, invitation, accept=True)
    return {"organization": organization, "invitation": invitation, "owner": owner}


def page(event: Event, org: dict[str, Any]) -> str:
    return f"/en/events/{event.slug}/invitations/{org['invitation'].pk}/"


def name(send: Send, event: Event, org: dict[str, Any], person: User | None = None, email: str = "") -> Any:
    data = {"delegate": "1", "user": person.pk if person else "", "email": email, "accessibility_needs": ""}
    return send(client_for(org["owner"]), page(event, org), data, follow=True)


def messages_on(response: Any) -> str:
    return " ".join(html.unescape(str(message)) for message in response.context["messages"])


def status_of(person: User) -> str:
    return Registration.objects.get(user=person).status


# The promise -------------------------------------------------------------------------------------------


def test_an_organisation_that_accepted_keeps_its_seats_when_later_ones_name_delegates_first(send: Send) -> None:
    """The defect: two seats accepted, then "The event is full" when naming a delegate."""
    event = meeting(capacity=2)
    first, later = invited(event, "Taafi Initiative"), invited(event, "Dawlaty")
    later_delegates = [member(later["organization"]) for _n in range(2)]
    for person in later_delegates:
        name(send, event, later, person)

    amal = member(first["organization"], full_name="Amal Haddad")
    response = name(send, event, first, amal)

    assert "The delegate is registered and has been emailed." in messages_on(response)
    assert status_of(amal) == Registration.Status.CONFIRMED
    assert [status_of(person) for person in later_delegates] == ["waitlisted", "waitlisted"]


def test_a_delegate_who_cannot_be_seated_waits_with_their_place(send: Send) -> None:
    event = meeting(capacity=1)
    first, later = invited(event, "Taafi Initiative"), invited(event, "Dawlaty")
    name(send, event, first, member(first["organization"]))
    waiting = [member(later["organization"], preferred_language="fr") for _n in range(2)]
    mail.outbox.clear()

    responses = [name(send, event, later, person) for person in waiting]

    assert "the delegate is number 2 on the waiting list" in messages_on(responses[1])
    assert "You are number 2 on the waitlist." in text_of(client_for(waiting[1]).get(event.get_absolute_url()))
    body = mail_to(waiting[1])[0].body
    assert "numéro 2" in body, body  # in their language
    # Each figure plainly on the invitation page.
    text = text_of(client_for(later["owner"]).get(page(event, later)))
    assert "Promised 0 Named 2 Confirmed 0 Held for invited colleagues 0 Waitlisted 2" in text
    assert "Number 1 on the waiting list" in text and "Number 2 on the waiting list" in text


def test_the_invitation_page_says_what_is_promised_named_confirmed_and_waitlisted(send: Send) -> None:
    event = meeting(capacity=3)
    first, later = invited(event, "Taafi Initiative"), invited(event, "Dawlaty", seats=2)
    name(send, event, later, member(later["organization"]))

    text = text_of(client_for(later["owner"]).get(page(event, later)))

    assert "Promised 1 Named 1 Confirmed 1 Held for invited colleagues 0 Waitlisted 0" in text
    assert "The event is full: 1 of your seats cannot be promised now." in text
    assert "Promised 2 Named 0 Confirmed 0" in text_of(client_for(first["owner"]).get(page(event, first)))
    # The event's page says it too, in the reader's language.
    summary = "Promised: 1 · named: 1 · confirmed: 1 · waitlisted: 0"
    assert summary in text_of(client_for(later["owner"]).get(f"/en/events/{event.slug}/"))
    french = "Promises : 1 · désignés : 1 · confirmés : 1 · en liste d’attente : 0"
    assert french in text_of(client_for(later["owner"]).get(f"/fr/events/{event.slug}/"))


def test_a_cancelled_delegate_frees_the_seat_for_their_waitlisted_colleague(send: Send) -> None:
    event = meeting(capacity=2)
    first, later = invited(event, "Taafi Initiative", seats=2), invited(event, "Dawlaty", seats=1)
    seated, waiting_colleague = member(first["organization"]), member(first["organization"])
    name(send, event, first, seated)
    name(send, event, later, member(later["organization"]))
    services.change_invitation_seats(make_coordinator(), first["invitation"], 1, confirmed=True)
    services.change_invitation_seats(make_coordinator(), first["invitation"], 2)
    name(send, event, first, waiting_colleague)
    assert status_of(waiting_colleague) == Registration.Status.WAITLISTED
    mail.outbox.clear()

    seat = Registration.objects.get(user=seated)
    send(client_for(seated), f"/en/events/{event.slug}/registrations/{seat.pk}/cancel/", {"confirm": "1"})

    assert status_of(waiting_colleague) == Registration.Status.CONFIRMED
    assert [message.subject for message in mail_to(waiting_colleague)] == [
        "A place is yours: Lausanne Platform meeting"
    ]


def test_fewer_seats_for_one_organisation_move_the_waiting_list_up(send: Send) -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR)
    event = meeting(capacity=3)
    first, later = invited(event, "Taafi Initiative", seats=3), invited(event, "Dawlaty", seats=2)
    waiting = member(later["organization"], preferred_language="ar")
    name(send, event, later, waiting)
    assert status_of(waiting) == Registration.Status.WAITLISTED
    mail.outbox.clear()
    path = f"/en/events/{event.slug}/invitations/{first['invitation'].pk}/seats/"

    asked = send(client_for(coordinator), path, {"seats": "2"})

    assert asked.status_code == 200
    assert "Taafi Initiative: 1 seat" in text_of(asked)
    assert Invitation.objects.get(pk=first["invitation"].pk).seats == 3

    send(client_for(coordinator), path, {"seats": "2", "confirm_seats": "1"})

    assert Invitation.objects.get(pk=first["invitation"].pk).seats == 2
    assert status_of(waiting) == Registration.Status.CONFIRMED
    assert len(mail_to(waiting)) == 1
    assert "Lausanne Platform meeting" in mail_to(waiting)[0].subject
    assert "A place is yours" not in mail_to(waiting)[0].subject  # Arabic, the person's language


def test_a_smaller_capacity_names_whom_it_affects_and_is_saved_only_once_confirmed(send: Send) -> None:
    coordinator = make_coordinator(Membership.Role.EDITOR)
    event = meeting(capacity=4)
    invited(event, "Taafi Initiative")
    invited(event, "Dawlaty")
    form = event_form(event.owner, title_en=event.title_en, capacity="3", working_languages=["ar", "en"])
    form |= {
        "starts_at": timezone.localtime(event.starts_at, event.zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(event.ends_at, event.zone).strftime("%Y-%m-%dT%H:%M"),
    }
    path = f"/en/events/{event.slug}/edit/"

    asked = send(client_for(coordinator), path, form)

    assert asked.status_code == 200
    assert "This change takes seats already promised to these organisations: Dawlaty: 1 seat" in text_of(asked)
    assert Event.objects.get(pk=event.pk).capacity == 4

    saved = send(client_for(coordinator), path, form | {"confirm_seats": "1"})

    assert saved.status_code == 302
    assert Event.objects.get(pk=event.pk).capacity == 3


def test_a_larger_capacity_seats_the_waiting_list(send: Send) -> None:
    event = meeting(capacity=1)
    only = invited(event, "Taafi Initiative")
    seated, waiting = member(only["organization"]), member(only["organization"])
    name(send, event, only, seated)
    name(send, event, only, waiting)
    event.capacity = 2

    services.save_event(make_coordinator(), event)

    assert status_of(waiting) == Registration.Status.CONFIRMED


# Naming anyone by email --------------------------------------------------------------------------------


def test_a_colleague_named_by_email_joins_and_takes_the_held_seat_in_one_step(send: Send) -> None:
    event = meeting(capacity=2, hold_days=3)
    org = invited(event, "Taafi Initiative")
    mail.outbox.clear()

    response = name(send, event, org, email="Rami@Taafi.example.org")

    assert "rami@taafi.example.org is invited and their seat is held." in messages_on(response)
    hold = SeatHold.objects.get()
    assert hold.expires_at - timezone.now() > datetime.timedelta(days=2, hours=23)
    assert "Held for invited colleagues 1" in text_of(response)
    # One email, about the event, with one link.
    assert [message.to for message in mail.outbox] == [["rami@taafi.example.org"]]
    body = mail.outbox[0].body
    assert "Lausanne Platform meeting" in body and "Accepting makes you a member of Taafi Initiative" in body
    link = next(line for line in body.splitlines() if "/events/delegation/" in line)
    path = link.split("testserver")[-1] if "testserver" in link else link[link.index("/en/") :]
    # The seat counts as taken meanwhile: another organisation's delegate cannot have it.
    assert event.seat_plan().seats_of(org["invitation"]).held == 1

    assert "Sign up" in text_of(client_for().get(path))
    rami = UserFactory(email="rami@taafi.example.org")  # signed up with the address the invitation went to
    accepted = send(client_for(rami), path, {}, follow=True)

    assert accepted.status_code == 200
    membership = Membership.objects.get(user=rami, organization=org["organization"])
    assert membership.role == Membership.Role.MEMBER
    assert status_of(rami) == Registration.Status.CONFIRMED
    assert SeatHold.objects.get().status == SeatHold.Status.ACCEPTED
    assert MembershipInvitation.objects.get().accepted_by == rami


def test_deleting_the_account_forgets_the_address_a_seat_was_held_for(send: Send) -> None:
    event = meeting()
    org = invited(event, "Taafi Initiative")
    name(send, event, org, email="rami@taafi.example.org")
    rami = UserFactory(email="rami@taafi.example.org")

    home_services.delete_account(rami)

    assert not SeatHold.objects.exists()


def test_a_member_named_by_email_is_named_at_once(send: Send) -> None:
    event = meeting()
    org = invited(event, "Taafi Initiative")
    amal = member(org["organization"], email="amal@taafi.example.org")

    name(send, event, org, email="AMAL@taafi.example.org")

    assert status_of(amal) == Registration.Status.CONFIRMED
    assert not SeatHold.objects.exists()


def test_an_expired_hold_releases_the_seat_to_the_waiting_list(
    send: Send, django_capture_on_commit_callbacks: Any
) -> None:
    event = meeting(capacity=2)
    first = invited(event, "Taafi Initiative", seats=3)
    name(send, event, first, member(first["organization"]))
    name(send, event, first, email="rami@taafi.example.org")
    waiting = member(first["organization"])
    name(send, event, first, waiting)
    assert status_of(waiting) == Registration.Status.WAITLISTED
    # The hold ends: checked lazily by the seat plan at once...
    SeatHold.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert event.seat_plan().seats_of(first["invitation"]).held == 0
    mail.outbox.clear()

    # ...and the beat task seats the waiting list.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.release_expired_holds() == 1

    assert SeatHold.objects.get().status == SeatHold.Status.RELEASED
    assert status_of(waiting) == Registration.Status.CONFIRMED
    assert [message.subject for message in mail_to(waiting)] == ["A place is yours: Lausanne Platform meeting"]
    assert services.release_expired_holds() == 0


def test_an_expired_hold_cannot_be_accepted(django_capture_on_commit_callbacks: Any) -> None:
    event = meeting()
    org = invited(event, "Taafi Initiative")
    with django_capture_on_commit_callbacks(execute=True):
        hold = services.invite_delegate(org["owner"], org["invitation"], "rami@taafi.example.org")
    assert isinstance(hold, SeatHold)
    SeatHold.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    body = mail.outbox[-1].body
    token = next(line for line in body.splitlines() if "/events/delegation/" in line).rstrip("/").rsplit("/", 1)[1]

    response = client_for(UserFactory(email="rami@taafi.example.org")).post(f"/en/events/delegation/{token}/")

    assert response.status_code == 400
    assert "was released" in text_of(response)
    assert not Membership.objects.filter(user__email="rami@taafi.example.org").exists()


def test_the_delegate_form_asks_for_a_member_or_an_email(send: Send) -> None:
    event = meeting()
    org = invited(event, "Taafi Initiative")

    response = name(send, event, org)

    assert "Choose a member, or give the email address of someone else." in text_of(response)


# Smaller defects ---------------------------------------------------------------------------------------


def test_the_answer_is_not_chosen_in_advance_and_is_required(send: Send) -> None:
    event = meeting()
    org = invited(event, "Taafi Initiative", accepted=False)
    client = client_for(org["owner"])

    form = client.get(page(event, org)).content.decode()
    assert "checked" not in form.split('name="accept"')[1].split(">")[0]
    response = send(client, page(event, org), {"answer": "1"})

    assert "Choose whether your organisation accepts or declines." in text_of(response)
    assert Invitation.objects.get(pk=org["invitation"].pk).status == Invitation.Status.PENDING

    client.cookies.load({"portal_language": "fr"})
    assert "Choisissez" in text_of(send(client, page(event, org).replace("/en/", "/fr/"), {"answer": "1"}))


def test_cancelling_a_registration_asks_first(send: Send) -> None:
    event = EventFactory(registration_mode=Event.RegistrationMode.OPEN)
    person = UserFactory()
    services.register(person, event)
    registration = Registration.objects.get(user=person)
    path = f"/en/events/{event.slug}/registrations/{registration.pk}/cancel/"
    assert f'href="{path}"' in client_for(person).get(event.get_absolute_url()).content.decode()

    asked = client_for(person).get(path)
    posted_without_confirming = send(client_for(person), path, {})

    assert "Cancel the registration?" in text_of(asked)
    assert "Cancel the registration?" in text_of(posted_without_confirming)
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.CONFIRMED

    send(client_for(person), path, {"confirm": "1"})

    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.CANCELLED


def test_an_organisation_with_two_delegates_is_listed_once(send: Send) -> None:
    event = meeting()
    org = invited(event, "Taafi Initiative")
    services.answer_invitation(org["owner"], org["invitation"], accept=True, listed_to_participants=True)
    delegates = [member(org["organization"]) for _n in range(2)]
    for person in delegates:
        name(send, event, org, person)

    text = text_of(client_for(delegates[0]).get(event.get_absolute_url()))

    assert text.split("Participants", 1)[1].count("Taafi Initiative") == 1


@pytest.mark.usefixtures("no_public_cache")
def test_the_languages_are_named_in_the_readers_language() -> None:
    event = EventFactory(working_languages=["ar", "en"])

    path = f"/events/{event.slug}/"

    assert "<dd>Arabic, English</dd>" in client_for().get(f"/en{path}").content.decode()
    assert "<dd>Arabe, Anglais</dd>" in client_for().get(f"/fr{path}").content.decode()


# The API -----------------------------------------------------------------------------------------------


def test_the_api_shows_seat_figures_to_whom_may_see_them(send: Send) -> None:
    event = meeting(capacity=1)
    first, later = invited(event, "Taafi Initiative"), invited(event, "Dawlaty")
    name(send, event, first, member(first["organization"]))
    waiting = member(later["organization"])
    name(send, event, later, waiting)

    organiser = client_for(make_coordinator(Membership.Role.EDITOR)).get(f"{API}{event.slug}/").json()
    owner = client_for(later["owner"]).get(f"{API}{event.slug}/").json()
    delegate = client_for(waiting).get(f"{API}{event.slug}/").json()

    assert organiser["seats"] == {"capacity": 1, "confirmed": 1, "held": 0, "free": 0, "waitlisted": 1}
    assert {row["organization"] for row in organiser["invitations"]} == {
        first["organization"].slug,
        later["organization"].slug,
    }
    assert owner["seats"] is None
    assert owner["invitations"] == [
        {
            "organization": later["organization"].slug,
            "status": "accepted",
            "seats": 2,
            "promised": 0,
            "named": 1,
            "confirmed": 0,
            "held": 0,
            "waitlisted": 1,
        }
    ]
    assert delegate["registration"] == {"status": "waitlisted", "waitlist_place": 1}
    assert delegate["seats"] is None and delegate["invitations"] == []
