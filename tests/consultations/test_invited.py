"""Organisations invited by name to a consultation, chosen with the searchable organisation picker the events use
(organizations.picker): the host's coordinators tick organisations or invite all those a filter matches, see who is
invited and remove them; the host, hidden organisations and any organisation they may not see are never invited;
a call for those invited is published only once someone is invited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from consultations import services
from consultations.models import Consultation
from organizations import services as organization_services
from organizations.models import Membership, Organization
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    ConsultationFactory,
    MembershipFactory,
    OrganizationFactory,
    host_organization,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

NOBODY_INVITED = "Invite at least one organisation before publishing."


@pytest.fixture
def coordinator() -> User:
    return make_coordinator(Membership.Role.EDITOR)


@pytest.fixture
def consultation() -> Consultation:
    return ConsultationFactory(status="draft", audience=Consultation.Audience.INVITED)


def page(consultation: Consultation) -> str:
    return f"/en/consultations/{consultation.slug}/invited/"


def client_of(user: User) -> Client:
    return sign_in(Client(), user)


def test_the_page_offers_the_others_and_lists_those_invited_without_offering_them_again(
    coordinator: User, consultation: Consultation
) -> None:
    invited = OrganizationFactory(name_en="Already Invited Association")
    consultation.invited.add(invited)
    OrganizationFactory(name_en="Free Association")

    html = client_of(coordinator).get(page(consultation), {"q": "association"}).content.decode()

    assert '<form method="get" class="picker-filters"' in html
    assert "1 organisation matches." in html
    assert "Free Association" in html
    assert '<input type="hidden" name="q" value="association">' in html
    assert f'name="organizations" value="{invited.pk}"' not in html
    assert "Already Invited Association" in html  # in the list of those invited, with its button
    assert f"/invited/{invited.pk}/remove/" in html


def test_the_host_is_never_offered(coordinator: User, consultation: Consultation) -> None:
    OrganizationFactory()

    html = client_of(coordinator).get(page(consultation)).content.decode()

    assert f'name="organizations" value="{host_organization().pk}"' not in html
    assert 'name="organizations" value="' in html


def test_ticked_organisations_are_invited_and_take_part_once_it_is_published(
    coordinator: User, consultation: Consultation
) -> None:
    chosen = OrganizationFactory(name_en="Taafi Initiative")
    editor = MembershipFactory(organization=chosen, role=Membership.Role.EDITOR).user
    client = client_of(coordinator)

    response = client.post(page(consultation), {"organizations": [chosen.pk], "invite": "chosen"}, follow=True)

    assert "1 organisations invited." in response.content.decode()
    assert list(consultation.invited.all()) == [chosen]
    client.post(f"/en/consultations/{consultation.slug}/publish/")
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.PUBLISHED
    assert consultation.allows(editor, Consultation.TAKE_PART)
    assert not consultation.allows(MembershipFactory(role=Membership.Role.EDITOR).user, Consultation.TAKE_PART)


def test_invite_all_matching_invites_exactly_those(coordinator: User, consultation: Consultation) -> None:
    for name in ("Families Association", "Detainees Families", "Unrelated Group"):
        OrganizationFactory(name_en=name)

    response = client_of(coordinator).post(page(consultation), {"q": "families", "invite": "all"}, follow=True)

    assert "2 organisations invited." in response.content.decode()
    assert sorted(consultation.invited.values_list("name_en", flat=True)) == [
        "Detainees Families",
        "Families Association",
    ]


def test_invite_all_needs_a_filter(coordinator: User, consultation: Consultation) -> None:
    OrganizationFactory(name_en="Solo Association")

    response = client_of(coordinator).post(page(consultation), {"invite": "all"})

    assert "Choose a filter before inviting all those matching." in response.content.decode()
    assert not consultation.invited.exists()


def test_nothing_ticked_is_a_translated_error_and_invites_nobody(coordinator: User, consultation: Consultation) -> None:
    OrganizationFactory()

    response = client_of(coordinator).post(f"/ar/consultations/{consultation.slug}/invited/", {})

    assert response.status_code == 200
    with translation.override("ar"):
        assert gettext("Tick the organisations to invite, or invite all those matching.") in response.content.decode()
    assert not consultation.invited.exists()


@pytest.mark.parametrize("who", ["hidden", "unverified", "host", "unknown", "not a number"])
def test_an_organisation_that_is_not_a_candidate_is_not_invited(
    coordinator: User, consultation: Consultation, who: str
) -> None:
    hidden = OrganizationFactory()
    organization_services.hide_organization(None, hidden)
    ids = {
        "hidden": hidden.pk,
        "unverified": OrganizationFactory(status=Organization.Status.PENDING, verified_at=None).pk,
        "host": host_organization().pk,
        "unknown": 987654,
        "not a number": "x'; --",
    }

    response = client_of(coordinator).post(page(consultation), {"organizations": [ids[who]], "invite": "chosen"})

    assert response.status_code == 200
    assert not consultation.invited.exists()


def test_the_service_skips_the_host_and_hidden_organisations(coordinator: User, consultation: Consultation) -> None:
    hidden, kept = OrganizationFactory(), OrganizationFactory()
    organization_services.hide_organization(None, hidden)

    added = services.invite_organizations(coordinator, consultation, [host_organization(), hidden, kept, kept])

    assert added == [kept]
    assert services.invite_organizations(coordinator, consultation, [kept]) == []  # already invited
    assert list(consultation.invited.all()) == [kept]


def test_removing_an_organisation_ends_its_invitation(coordinator: User, consultation: Consultation) -> None:
    first, second = OrganizationFactory(), OrganizationFactory()
    consultation.invited.add(first, second)
    client = client_of(coordinator)

    response = client.post(f"{page(consultation)}{first.pk}/remove/", follow=True)

    assert "The organisation is no longer invited." in response.content.decode()
    assert list(consultation.invited.all()) == [second]
    assert client.post(f"{page(consultation)}{first.pk}/remove/").status_code == 404  # not invited any more
    assert client.get(f"{page(consultation)}{second.pk}/remove/").status_code == 405


def test_a_published_call_for_those_invited_keeps_at_least_one(coordinator: User) -> None:
    last = OrganizationFactory()
    consultation = ConsultationFactory(audience=Consultation.Audience.INVITED)
    consultation.invited.add(last)

    response = client_of(coordinator).post(f"{page(consultation)}{last.pk}/remove/", follow=True)

    assert "invite another before removing the last one" in response.content.decode()
    assert list(consultation.invited.all()) == [last]


def test_publishing_a_call_for_those_invited_with_nobody_invited_is_refused(
    coordinator: User, consultation: Consultation
) -> None:
    response = client_of(coordinator).post(f"/fr/consultations/{consultation.slug}/publish/", follow=True)

    with translation.override("fr"):
        assert gettext(NOBODY_INVITED) in response.content.decode()
        assert gettext(NOBODY_INVITED) != NOBODY_INVITED
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT


def test_a_published_call_cannot_turn_to_those_invited_with_nobody_invited(coordinator: User) -> None:
    consultation = ConsultationFactory()
    consultation.audience = Consultation.Audience.INVITED

    with pytest.raises(ValidationError) as refused:
        services.save_consultation(coordinator, consultation)

    assert refused.value.code == "nobody_invited"
    consultation.refresh_from_db()
    assert consultation.audience == Consultation.Audience.VERIFIED


def test_a_draft_may_ask_those_invited_before_anyone_is_invited(coordinator: User) -> None:
    form = client_of(coordinator).get("/en/consultations/new/").content.decode()
    assert 'name="invited"' not in form  # chosen with the picker, on the call's own page

    consultation = ConsultationFactory.build(status="draft", audience=Consultation.Audience.INVITED, slug="")
    services.save_consultation(coordinator, consultation)

    assert consultation.slug and not consultation.invited.exists()


def test_organisations_invited_to_a_published_call_are_not_emailed(coordinator: User) -> None:
    consultation = ConsultationFactory(audience=Consultation.Audience.INVITED)
    consultation.invited.add(OrganizationFactory())
    newcomer = MembershipFactory(role=Membership.Role.OWNER).organization

    services.invite_organizations(coordinator, consultation, [newcomer])

    # As publish_consultation emails nobody of the audience, a late invitation does not either.
    assert mail.outbox == []


@pytest.mark.parametrize("params", [{"page": "abc"}, {"page": "999", "invited": "-1"}, {"topic": "no-such-topic"}])
def test_bad_page_numbers_and_filters_are_no_error(
    coordinator: User, consultation: Consultation, params: dict[str, str]
) -> None:
    consultation.invited.add(OrganizationFactory())

    assert client_of(coordinator).get(page(consultation), params).status_code == 200


def test_only_the_host_coordinators_reach_the_page(consultation: Consultation) -> None:
    other_host = OrganizationFactory(is_host=True)
    outsider = make_coordinator(organization=other_host)
    member = MembershipFactory(role=Membership.Role.OWNER).user
    published = ConsultationFactory(audience=Consultation.Audience.INVITED)
    published.invited.add(OrganizationFactory())

    assert Client().get(page(published)).status_code == 302
    assert client_of(member).get(page(published)).status_code == 403
    assert client_of(outsider).get(page(published)).status_code == 403
    assert client_of(outsider).get(page(consultation)).status_code == 404  # a draft: they may not know it exists
    assert client_of(outsider).post(page(published), {"invite": "all", "q": "a"}).status_code == 403


def test_the_invited_are_named_to_nobody_but_the_host(coordinator: User) -> None:
    secret = OrganizationFactory(name_en="Canary Invited Unlisted Association", listed_publicly=False)
    consultation = ConsultationFactory(audience=Consultation.Audience.INVITED)
    consultation.invited.add(secret)
    editor = MembershipFactory(role=Membership.Role.EDITOR, organization=secret).user

    for client in (Client(), client_of(editor)):
        for address in (
            f"/en/consultations/{consultation.slug}/",
            "/api/v1/consultations/",
            f"/api/v1/consultations/{consultation.slug}/",
        ):
            assert "Canary Invited" not in client.get(address).content.decode(), address
    assert "Canary Invited" in client_of(coordinator).get(page(consultation)).content.decode()


def test_the_manage_page_links_to_those_invited(coordinator: User, consultation: Consultation) -> None:
    consultation.invited.add(OrganizationFactory(), OrganizationFactory())

    html = client_of(coordinator).get(f"/en/consultations/{consultation.slug}/manage/").content.decode()

    assert "2 organisations invited" in html
    assert f'href="/en/consultations/{consultation.slug}/invited/"' in html


def test_the_number_of_queries_does_not_grow_with_those_invited_and_offered(
    coordinator: User, consultation: Consultation
) -> None:
    client = client_of(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page(consultation)).status_code == 200
        return len(captured)

    consultation.invited.add(*OrganizationFactory.create_batch(2))
    OrganizationFactory.create_batch(2)
    few = queries()
    consultation.invited.add(*OrganizationFactory.create_batch(15))
    OrganizationFactory.create_batch(15)

    assert queries() == few


def test_a_long_list_of_those_invited_is_paginated_apart_from_the_results(
    coordinator: User, consultation: Consultation
) -> None:
    consultation.invited.add(*(OrganizationFactory(name_en=f"Invited {number:02}") for number in range(25)))
    client = client_of(coordinator)

    first = client.get(page(consultation)).content.decode()
    second = client.get(page(consultation), {"invited": "2", "q": "invited"}).content.decode()

    assert "25 organisations invited" in first
    assert "Invited 00" in first and "Invited 24" not in first
    assert 'href="?invited=2"' in first
    assert "Invited 24" in second and "Invited 00" not in second
