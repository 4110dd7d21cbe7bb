"""Seats hold under concurrent registrations: twenty people register for five seats at the same moment, each
in their own thread and database connection, as twenty web processes would. Only PostgreSQL has the row
locks this relies on (SQLite serialises every write anyway, and its test database lives in memory, where
threads cannot share it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections

from events import services
from events.models import Event, Registration
from organizations.models import Membership
from tests.factories import EventFactory, InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent registrations need PostgreSQL's row locks and a database shared between threads",
)

CAPACITY = 5
PEOPLE = 20


def at_the_same_moment(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(0)` ... `action(count - 1)` in threads released together; each thread uses its own
    database connection and closes it. Re-raises the first error a thread met."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action(index)
        except BaseException as error:  # noqa: BLE001 - reported in the test's thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (a deadlock?)"
    if errors:
        raise errors[0]
    return results


def seated(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=Registration.SEATED).count()


def test_capacity_holds_under_concurrent_registrations_and_cancellations(transactional_db: None) -> None:
    event = EventFactory(capacity=CAPACITY, registration_mode=Event.RegistrationMode.OPEN)
    people = [UserFactory() for _number in range(PEOPLE)]

    registrations = at_the_same_moment(PEOPLE, lambda index: services.register(people[index], event))

    statuses = [registration.status for registration in registrations]
    assert statuses.count(Registration.Status.CONFIRMED) == CAPACITY
    assert statuses.count(Registration.Status.WAITLISTED) == PEOPLE - CAPACITY
    assert seated(event) == CAPACITY
    assert Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED).count() == 15
    subjects = [message.subject for message in mail.outbox]
    assert subjects.count(f"You are registered for {event.title}") == CAPACITY
    assert subjects.count(f"You are on the waiting list for {event.title}") == PEOPLE - CAPACITY

    waiting = list(
        Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED).order_by("created_at", "pk")
    )
    leaving = [registration for registration in registrations if registration.status == Registration.Status.CONFIRMED]
    mail.outbox.clear()

    at_the_same_moment(2, lambda index: services.cancel_registration(leaving[index].user, leaving[index]))

    assert seated(event) == CAPACITY
    promoted = Registration.objects.filter(pk__in=[registration.pk for registration in waiting]).exclude(
        status=Registration.Status.WAITLISTED
    )
    # Exactly two, and the first two in the queue.
    assert {registration.pk for registration in promoted} == {waiting[0].pk, waiting[1].pk}
    assert set(promoted.values_list("status", flat=True)) == {Registration.Status.CONFIRMED}
    assert Registration.objects.filter(event=event, status=Registration.Status.CANCELLED).count() == 2
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [waiting[0].user.email, waiting[1].user.email]
    )


def test_promised_seats_hold_under_concurrent_naming_of_delegates(transactional_db: None) -> None:
    """Three organisations accepted two seats each, in turn, for four seats; their six delegates are named at the
    same moment: the first two organisations' are seated, the third's wait, numbered 1 and 2."""
    event = EventFactory(capacity=4, registration_mode=Event.RegistrationMode.INVITATION)
    organizations = [OrganizationFactory() for _number in range(3)]
    owners = [MembershipFactory(organization=org, role=Membership.Role.OWNER).user for org in organizations]
    invitations = [InvitationFactory(event=event, organization=org, seats=2) for org in organizations]
    for owner, invitation in zip(owners, invitations, strict=True):
        services.answer_invitation(owner, invitation, accept=True)
    delegates = [
        (owner, invitation, MembershipFactory(organization=invitation.organization).user)
        for owner, invitation in zip(owners, invitations, strict=True)
        for _seat in range(2)
    ]

    at_the_same_moment(len(delegates), lambda index: services.name_delegate(*delegates[index]))

    statuses = {
        invitation.pk: sorted(Registration.objects.filter(invitation=invitation).values_list("status", flat=True))
        for invitation in invitations
    }
    assert statuses == {
        invitations[0].pk: ["confirmed", "confirmed"],
        invitations[1].pk: ["confirmed", "confirmed"],
        invitations[2].pk: ["waitlisted", "waitlisted"],
    }
    assert seated(event) == 4
    plan = event.seat_plan()
    assert sorted(plan.place(pk) for pk in plan.waitlist) == [1, 2]
