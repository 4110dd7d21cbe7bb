"""Endorsing a statement in an organisation's name: who may, when, once per organisation; withdrawing and
endorsing again; asking not to be named."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from organizations.models import Membership, Organization
from portal.models import User
from statements import services
from statements.models import Endorsement, Statement
from tests.factories import EndorsementFactory, OrganizationFactory, UserFactory
from tests.statements.conftest import client_for, member_of, page_text, post, url

pytestmark = pytest.mark.django_db


def endorse(user: User, letter: Statement, organization: Organization, *, named: bool = True, language: str = "en"):
    data = {"organization": organization.pk}
    if named:
        data["named_publicly"] = "on"
    return post(client_for(user), url(letter, "endorse/", language), data, follow=True)


def test_owner_of_a_verified_organization_endorses(letter: Statement, cso: Organization, cso_owner: User) -> None:
    response = endorse(cso_owner, letter, cso)

    endorsement = Endorsement.objects.get(statement=letter, organization=cso)
    assert endorsement.endorsed_by == cso_owner
    assert endorsement.named_publicly
    assert endorsement.source == Endorsement.Source.PORTAL
    text = page_text(response)
    assert "your organisation&#x27;s endorsement is recorded" in text
    assert "Families for Freedom" in text
    assert "Endorsed by 1 organisation from 1 country." in text


def test_editor_endorses_and_every_owner_is_told(letter: Statement, cso: Organization, cso_owner: User) -> None:
    editor = member_of(cso, Membership.Role.EDITOR, full_name="Bassel Editor")

    endorse(editor, letter, cso)

    assert Endorsement.objects.filter(statement=letter, organization=cso).exists()
    [message] = [message for message in mail.outbox if cso_owner.email in message.to]
    assert "Bassel Editor endorsed" in message.body
    assert url(letter) in message.body


def test_endorse_form_is_offered_to_owners_and_editors_only(letter: Statement, cso: Organization) -> None:
    owner = member_of(cso, Membership.Role.OWNER)
    member = member_of(cso, Membership.Role.MEMBER)

    assert "Endorse this statement" in page_text(client_for(owner).get(url(letter)))
    assert "Endorse this statement" not in page_text(client_for(member).get(url(letter)))
    assert "Endorse this statement" not in page_text(client_for().get(url(letter)))


def test_second_endorsement_by_another_member_of_the_same_organization_is_refused(
    letter: Statement, cso: Organization, cso_owner: User
) -> None:
    endorse(cso_owner, letter, cso)
    colleague = member_of(cso, Membership.Role.EDITOR)

    response = endorse(colleague, letter, cso, named=False)

    assert Endorsement.objects.filter(statement=letter).count() == 1
    assert Endorsement.objects.get(statement=letter).endorsed_by == cso_owner
    assert "Families for Freedom has already endorsed this statement" in page_text(response)
    assert "An organisation endorses only once" in page_text(response)


def test_service_refuses_a_second_endorsement_by_the_same_organization(
    letter: Statement, cso: Organization, cso_owner: User
) -> None:
    EndorsementFactory(statement=letter, organization=cso)

    with pytest.raises(ValidationError) as error:
        services.endorse(cso_owner, letter, cso, named_publicly=True)

    assert error.value.code == "duplicate"


def test_owner_withdraws_then_endorses_again(letter: Statement, cso: Organization, cso_owner: User) -> None:
    endorse(cso_owner, letter, cso)
    endorsement = Endorsement.objects.get(statement=letter)

    response = post(client_for(cso_owner), url(letter, "withdraw/"), {"endorsement": endorsement.pk}, follow=True)

    assert not Endorsement.objects.filter(statement=letter).exists()
    assert "The endorsement was withdrawn." in page_text(response)
    assert "No organisation has endorsed this statement yet." in page_text(response)

    endorse(cso_owner, letter, cso, named=False)

    again = Endorsement.objects.get(statement=letter, organization=cso)
    assert not again.named_publicly


def test_member_cannot_withdraw(letter: Statement, cso: Organization, cso_owner: User) -> None:
    endorsement = EndorsementFactory(statement=letter, organization=cso)
    member = member_of(cso, Membership.Role.MEMBER)

    response = post(client_for(member), url(letter, "withdraw/"), {"endorsement": endorsement.pk}, follow=True)

    assert Endorsement.objects.filter(pk=endorsement.pk).exists()
    assert "can be withdrawn only by its organisation" in page_text(response)


def test_nothing_after_the_window_closes(letter: Statement, cso: Organization, cso_owner: User) -> None:
    letter.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    letter.save()

    response = endorse(cso_owner, letter, cso)

    assert not Endorsement.objects.exists()
    assert "This statement does not accept endorsements now." in page_text(response)
    assert "Endorse this statement" not in page_text(client_for(cso_owner).get(url(letter)))


def test_nothing_before_the_window_opens(letter: Statement, cso: Organization, cso_owner: User) -> None:
    letter.opens_at = timezone.now() + datetime.timedelta(days=1)
    letter.save()

    endorse(cso_owner, letter, cso)

    assert not Endorsement.objects.exists()


@pytest.mark.parametrize("status", [Statement.Status.DRAFT, Statement.Status.CLOSED])
def test_nothing_unless_open_or_published(status: str, letter: Statement, cso: Organization, cso_owner: User) -> None:
    letter.status = status
    letter.save()

    with pytest.raises(ValidationError):
        services.endorse(cso_owner, letter, cso, named_publicly=True)
    assert not Endorsement.objects.exists()


def test_cannot_withdraw_after_the_window_closes(letter: Statement, cso: Organization, cso_owner: User) -> None:
    endorsement = EndorsementFactory(statement=letter, organization=cso)
    services.close_statement(UserFactory(is_superuser=True), letter)

    post(client_for(cso_owner), url(letter, "withdraw/"), {"endorsement": endorsement.pk})

    assert Endorsement.objects.filter(pk=endorsement.pk).exists()


def test_plain_member_cannot_endorse(letter: Statement, cso: Organization) -> None:
    member = member_of(cso, Membership.Role.MEMBER)

    response = endorse(member, letter, cso)

    assert not Endorsement.objects.exists()
    assert "Only the owners and editors of a verified organisation can endorse in its name." in page_text(response)


@pytest.mark.parametrize(
    "status", [Organization.Status.DRAFT, Organization.Status.PENDING, Organization.Status.SUSPENDED]
)
def test_organization_that_is_not_verified_cannot_endorse(status: str, letter: Statement) -> None:
    organization = OrganizationFactory(status=status)
    owner = member_of(organization, Membership.Role.OWNER)

    response = endorse(owner, letter, organization)

    assert not Endorsement.objects.exists()
    assert "Only the owners and editors of a verified organisation" in page_text(response)
    assert "Endorse this statement" not in page_text(client_for(owner).get(url(letter)))


def test_cannot_endorse_in_the_name_of_someone_elses_organization(
    letter: Statement, cso: Organization, cso_owner: User
) -> None:
    other = OrganizationFactory()

    response = endorse(cso_owner, letter, other)

    assert not Endorsement.objects.exists()
    assert "Choose one of your organisations." in page_text(response)


def test_anonymous_cannot_endorse(letter: Statement, cso: Organization) -> None:
    response = client_for().post(url(letter, "endorse/"), {"organization": cso.pk})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Endorsement.objects.exists()


def test_organization_asks_not_to_be_named_any_time(letter: Statement, cso: Organization, cso_owner: User) -> None:
    endorsement = EndorsementFactory(statement=letter, organization=cso, named_publicly=True)
    services.publish_statement(UserFactory(is_superuser=True), letter)
    services.close_statement(UserFactory(is_superuser=True), letter)

    post(client_for(cso_owner), url(letter, "stop-naming/"), {"endorsement": endorsement.pk})

    endorsement.refresh_from_db()
    assert not endorsement.named_publicly
    assert "Families for Freedom" not in page_text(client_for().get(url(letter)))


def test_others_cannot_unname_an_endorser(letter: Statement, cso: Organization) -> None:
    endorsement = EndorsementFactory(statement=letter, organization=cso, named_publicly=True)
    stranger = member_of(OrganizationFactory(), Membership.Role.OWNER)

    post(client_for(stranger), url(letter, "stop-naming/"), {"endorsement": endorsement.pk})

    endorsement.refresh_from_db()
    assert endorsement.named_publicly


def test_published_letter_still_accepts_endorsements_while_its_window_is_open(
    letter: Statement, cso: Organization, cso_owner: User
) -> None:
    services.publish_statement(UserFactory(is_superuser=True), letter)

    endorse(cso_owner, letter, cso)

    assert Endorsement.objects.filter(statement=letter, organization=cso).exists()


def test_statement_published_straight_from_a_draft_takes_no_endorsement(
    letter: Statement, cso: Organization, cso_owner: User
) -> None:
    letter.status = Statement.Status.DRAFT
    letter.save()
    services.publish_statement(UserFactory(is_superuser=True), letter)

    response = endorse(cso_owner, letter, cso)

    assert not Endorsement.objects.exists()
    assert "This statement does not accept endorsements now." in page_text(response)
