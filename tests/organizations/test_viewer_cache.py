"""A person's Viewer (what every access rule is asked with) is shared between their requests through the cache
until a table it is read from changes (events.models.viewer_for): any change to their memberships, their
organisations, their account, their authenticator apps, their registrations or their organisations' invitations
is in the very next Viewer, whatever route made it."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.models import Event, Invitation, Registration
from organizations.models import Membership, Organization
from portal.access import Role, viewer_of
from portal.models import User
from tests.factories import (
    EventFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    RegistrationFactory,
    UserFactory,
    make_coordinator,
    with_totp,
)

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The person as the next request loads them (a new object, no Viewer on it yet)."""
    return User.objects.get(pk=user.pk)


def memberships_read(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        viewer_of(fresh(user))
    return sum("organizations_membership" in query["sql"] for query in queries.captured_queries)


def test_the_next_request_reads_the_viewer_from_the_cache() -> None:
    person = MembershipFactory(organization=OrganizationFactory(status=Organization.Status.VERIFIED)).user

    assert memberships_read(person) == 1
    assert memberships_read(person) == 0


def test_a_membership_ended_by_a_bulk_delete_is_gone_from_the_next_viewer() -> None:
    membership = MembershipFactory(role=Membership.Role.OWNER)
    person, organization = membership.user, membership.organization
    assert viewer_of(fresh(person)).role_in(organization.pk) == Role.OWNER

    Membership.objects.filter(pk=membership.pk).delete()

    assert viewer_of(fresh(person)).role_in(organization.pk) is None


def test_an_organisation_suspended_by_raw_sql_is_no_longer_verified_in_the_next_viewer() -> None:
    organization = OrganizationFactory(status=Organization.Status.VERIFIED)
    person = MembershipFactory(organization=organization).user
    assert viewer_of(fresh(person)).verified == {organization.pk}

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Organization._meta.db_table} SET status = %s WHERE id = %s",  # noqa: S608 - the model's table
            [Organization.Status.SUSPENDED, organization.pk],
        )

    assert viewer_of(fresh(person)).verified == frozenset()


def test_a_coordinator_whose_authenticator_app_is_removed_loses_the_powers_at_once() -> None:
    coordinator = make_coordinator()
    authenticator = Authenticator.objects.get(user=coordinator)
    passed = with_totp(fresh(coordinator))
    assert viewer_of(passed).is_coordinator

    Authenticator.objects.filter(pk=authenticator.pk).delete()

    again = fresh(coordinator)
    again._portal_second_factors = frozenset({authenticator.pk})  # what the session still remembers entering
    assert not viewer_of(again).is_coordinator and viewer_of(again).needs_mfa


def test_what_the_session_passed_and_the_account_are_part_of_the_key() -> None:
    coordinator = make_coordinator()
    assert viewer_of(with_totp(fresh(coordinator))).is_coordinator

    password_only = fresh(coordinator)  # another session of the same person, without the second factor

    assert not viewer_of(password_only).is_coordinator and viewer_of(password_only).needs_mfa


def test_a_person_made_operator_is_one_in_the_next_viewer() -> None:
    person = with_totp(UserFactory())
    assert not viewer_of(person).is_operator

    User.objects.filter(pk=person.pk).update(is_superuser=True)

    assert viewer_of(with_totp(fresh(person))).is_operator


def test_inside_a_transaction_the_viewer_is_read_afresh_and_not_kept() -> None:
    organization = OrganizationFactory(status=Organization.Status.VERIFIED)
    person = UserFactory()
    assert viewer_of(fresh(person)).roles == {}

    with transaction.atomic():
        with connection.cursor() as cursor:  # as outside a test: the stamp changes when the transaction commits
            cursor.execute("SET CONSTRAINTS public_stamp DEFERRED")
        MembershipFactory(user=person, organization=organization, role=Membership.Role.EDITOR)
        # What this transaction wrote is seen by it, and shared with nobody until it commits.
        assert viewer_of(fresh(person)).role_in(organization.pk) == Role.EDITOR
        transaction.set_rollback(True)

    assert viewer_of(fresh(person)).roles == {}


def test_a_registration_cancelled_by_a_bulk_update_is_gone_from_the_next_viewer() -> None:
    registration = RegistrationFactory(
        event=EventFactory(visibility=Event.Visibility.CLOSED), status=Registration.Status.CONFIRMED
    )
    person, event = registration.user, registration.event
    assert Event.objects.visible_to(fresh(person)).filter(pk=event.pk).exists()
    assert event.allows(fresh(person), Event.SEE_LOGISTICS)

    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)

    assert viewer_of(fresh(person)).registrations == {}
    assert not Event.objects.visible_to(fresh(person)).filter(pk=event.pk).exists()
    assert not event.allows(fresh(person), Event.SEE_LOGISTICS)


def test_an_invitation_deleted_by_raw_sql_no_longer_shows_the_closed_event_in_the_next_request() -> None:
    invitation = InvitationFactory(event=EventFactory(visibility=Event.Visibility.CLOSED))
    person = MembershipFactory(organization=invitation.organization).user
    assert Event.objects.visible_to(fresh(person)).filter(pk=invitation.event_id).exists()

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Invitation._meta.db_table} WHERE id = %s", [invitation.pk])  # noqa: S608

    assert viewer_of(fresh(person)).invited_events == frozenset()
    assert not Event.objects.visible_to(fresh(person)).filter(pk=invitation.event_id).exists()
