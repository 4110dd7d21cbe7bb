"""Anonymity told truly (issue 19, item 6): the endorsement form says exactly who still sees an endorser not named
publicly, and every time someone outside the endorsing organisation sees such endorsers, the audit log says so."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from organizations.models import Membership, Organization
from portal.models import AuditEntry, User
from statements.forms import EndorseForm
from statements.models import Endorsement, Statement
from tests.conftest import sign_in
from tests.factories import (
    EndorsementFactory,
    MembershipFactory,
    OrganizationFactory,
    StatementFactory,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

QUIET = "Canary Quiet Endorsers of Homs"
VIEWED = AuditEntry.Action.ANONYMOUS_ENDORSERS_VIEWED


@pytest.fixture
def statement(db: None) -> Statement:
    return StatementFactory(status=Statement.Status.OPEN)


@pytest.fixture
def quiet(statement: Statement) -> Organization:
    organization = OrganizationFactory(name_en=QUIET)
    EndorsementFactory(statement=statement, organization=organization, named_publicly=False)
    EndorsementFactory(statement=statement)  # a named one, which nobody needs to log
    return organization


def client_for(user: User) -> Client:
    return sign_in(Client(), user)


def publisher(statement: Statement) -> User:
    return MembershipFactory(organization=statement.owner, role=Membership.Role.EDITOR).user


@translation.override("en")
def test_the_help_text_names_everyone_who_still_sees_the_endorser() -> None:
    help_text = str(EndorseForm.base_fields["named_publicly"].help_text)
    assert "your own members" in help_text
    assert "the editors and owners of the organisation that publishes the statement" in help_text
    assert "the platform's operators" in help_text
    assert "audit log" in help_text
    model_help = str(Endorsement._meta.get_field("named_publicly").help_text)
    assert "operators" in model_help and "publisher" in model_help


def test_the_rule_lets_exactly_those_see_the_endorser(
    statement: Statement, quiet: Organization, operator: User
) -> None:
    """What the help text says, checked against Endorsement.rule."""
    endorsement = Endorsement.objects.get(organization=quiet)
    own_member = MembershipFactory(organization=quiet, role=Membership.Role.MEMBER).user
    other = MembershipFactory(organization=OrganizationFactory(), role=Membership.Role.OWNER).user
    coordinator = make_coordinator()
    assert endorsement.allows(own_member) and endorsement.allows(publisher(statement)) and endorsement.allows(operator)
    assert not endorsement.allows(other) and not endorsement.allows(coordinator)


def test_the_statements_page_shows_the_publisher_what_the_public_sees(
    statement: Statement, quiet: Organization
) -> None:
    """The endorsers not named publicly are for the management page (recorded below); the statement's page shows
    every reader the public list, so the publisher sees none of them there, and nothing is recorded."""
    page = client_for(publisher(statement)).get(f"/en/statements/{statement.slug}/").content.decode()

    assert QUIET not in page
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


@pytest.mark.parametrize(("path", "where"), [("manage/", "manage"), ("endorsers.csv", "export")])
def test_the_publisher_seeing_them_on_the_manage_page_or_the_export_is_recorded(
    statement: Statement, quiet: Organization, path: str, where: str
) -> None:
    response = client_for(publisher(statement)).get(f"/en/statements/{statement.slug}/{path}")

    assert response.status_code == 200
    assert AuditEntry.objects.get(action=VIEWED).extra == {"where": where, "organizations": [quiet.pk]}


def test_an_operator_seeing_them_in_the_admin_is_recorded(
    statement: Statement, quiet: Organization, operator: User
) -> None:
    response = client_for(operator).get(f"/admin/statements/statement/{statement.pk}/change/")

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=VIEWED)
    assert (entry.actor, entry.extra["where"]) == (operator, "admin")


def test_an_operator_exporting_the_endorsers_data_is_recorded(
    statement: Statement, quiet: Organization, operator: User
) -> None:
    response = client_for(operator).get(f"/en/organizations/{quiet.slug}/export/")

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=VIEWED)
    assert (entry.actor, entry.target_id, entry.extra) == (
        operator,
        str(statement.pk),
        {"where": "organization export", "organizations": [quiet.pk]},
    )


def test_the_endorsers_own_owner_exporting_its_data_is_not_recorded(statement: Statement, quiet: Organization) -> None:
    owner = MembershipFactory(organization=quiet, role=Membership.Role.OWNER).user

    assert client_for(owner).get(f"/en/organizations/{quiet.slug}/export/").status_code == 200
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


def test_the_endorsers_own_members_are_not_recorded(statement: Statement, quiet: Organization) -> None:
    member = MembershipFactory(organization=quiet, role=Membership.Role.MEMBER).user

    assert QUIET in client_for(member).get(f"/en/statements/{statement.slug}/").content.decode()
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


def test_those_who_cannot_see_them_leave_no_entry_and_the_api_never_names_them(
    statement: Statement, quiet: Organization
) -> None:
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Membership.Role.OWNER).user

    assert QUIET not in client_for(stranger).get(f"/en/statements/{statement.slug}/").content.decode()
    assert QUIET not in Client().get(f"/api/v1/statements/{statement.slug}/endorsers/").content.decode()
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


def test_only_named_endorsers_leave_no_entry(statement: Statement) -> None:
    EndorsementFactory(statement=statement)

    client_for(publisher(statement)).get(f"/en/statements/{statement.slug}/")

    assert not AuditEntry.objects.filter(action=VIEWED).exists()
