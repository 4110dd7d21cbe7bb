"""Keeping a statement: writing it in several languages, opening, publishing and closing it, recording an
endorsement received by email, and inviting organisations to endorse."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from organizations.models import Membership, Organization, Topic
from portal.models import User
from statements.models import Endorsement, Statement, StatementHistoryEntry
from tests.factories import EndorsementFactory, OrganizationFactory, StatementFactory, UserFactory, make_coordinator
from tests.statements.conftest import client_for, member_of, page_text, post, url

pytestmark = pytest.mark.django_db


def statement_data(owner: Organization, **overrides: Any) -> dict[str, Any]:
    data = {
        "owner": owner.pk,
        "kind": Statement.Kind.JOINT_STATEMENT,
        "title_en": "Joint statement on the International Day in Support of Victims of Torture",
        "text_en": "We condemn the continued use of torture in detention centres.",
        "title_ar": "بيان مشترك في اليوم الدولي لمساندة ضحايا التعذيب",
        "text_ar": "ندين استمرار التعذيب في مراكز الاحتجاز.",
        "published_languages": ["en", "ar"],
        "published_on": "",
        "opens_at": "",
        "closes_at": "",
    }
    return data | overrides


@pytest.fixture
def network() -> Organization:
    return OrganizationFactory(name_en="Truth and Justice Charter", kind=Organization.Kind.NETWORK, slug="charter")


@pytest.fixture
def network_editor(network: Organization) -> User:
    return member_of(network, Membership.Role.EDITOR)


# Writing ----------------------------------------------------------------------------------------------


def test_network_editor_writes_a_draft_in_two_languages(network: Organization, network_editor: User) -> None:
    response = post(client_for(network_editor), "/en/statements/new/", statement_data(network))

    statement = Statement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/statements/{statement.slug}/manage/"
    assert statement.status == Statement.Status.DRAFT
    assert statement.owner == network
    assert statement.published_languages == ["en", "ar"]
    assert re.fullmatch(
        r"joint-statement-on-the-international-day-in-support-of-victims-of-[a-z2-9]{4}", statement.slug
    )
    assert StatementHistoryEntry.objects.filter(statement=statement, action="created").exists()


def test_a_version_cannot_be_shown_before_it_is_written(network: Organization, network_editor: User) -> None:
    data = statement_data(network, published_languages=["en", "fr"])

    response = post(client_for(network_editor), "/en/statements/new/", data)

    assert response.status_code == 200
    assert "The Français version needs a title and a text before it is shown." in page_text(response)
    assert not Statement.objects.exists()


def test_endorsement_must_close_after_it_opens(network: Organization, network_editor: User) -> None:
    data = statement_data(network, opens_at="2026-03-01T10:00", closes_at="2026-02-01T10:00")

    response = post(client_for(network_editor), "/en/statements/new/", data)

    assert "Endorsement must close after it opens." in page_text(response)


def test_a_cso_endorses_but_does_not_publish_statements() -> None:
    owner = member_of(OrganizationFactory(kind=Organization.Kind.CSO), Membership.Role.OWNER)

    assert client_for(owner).get("/en/statements/new/").status_code == 403
    assert "Write a statement" not in page_text(client_for(owner).get("/en/statements/"))


def test_host_coordinator_may_write_a_statement() -> None:
    coordinator = make_coordinator()

    assert client_for(coordinator).get("/en/statements/new/").status_code == 200


def test_owner_field_offers_only_the_persons_organizations(network: Organization, network_editor: User) -> None:
    other_network = OrganizationFactory(kind=Organization.Kind.NETWORK, name_en="Another Network")

    response = post(client_for(network_editor), "/en/statements/new/", statement_data(other_network))

    assert response.status_code == 200
    assert not Statement.objects.exists()


def test_editor_edits_and_history_records_it(letter: Statement, letter_editor: User) -> None:
    data = statement_data(letter.owner, title_en="Open letter, revised", published_languages=["en"])

    post(client_for(letter_editor), url(letter, "edit/"), data)

    letter.refresh_from_db()
    assert letter.title_en == "Open letter, revised"
    assert StatementHistoryEntry.objects.filter(statement=letter, action="edited").exists()


@pytest.mark.parametrize("role", [Membership.Role.MEMBER, None])
def test_others_cannot_edit(letter: Statement, role: str | None) -> None:
    user = member_of(letter.owner, role) if role else member_of(OrganizationFactory(), Membership.Role.OWNER)

    assert client_for(user).get(url(letter, "edit/")).status_code == 403
    assert client_for(user).get(url(letter, "manage/")).status_code == 403


# Status -----------------------------------------------------------------------------------------------


def test_open_publish_close(network: Organization, network_editor: User) -> None:
    statement = StatementFactory(owner=network, status=Statement.Status.DRAFT)
    client = client_for(network_editor)

    post(client, url(statement, "status/"), {"action": "open"})
    statement.refresh_from_db()
    assert statement.status == Statement.Status.OPEN and statement.opens_at is not None
    assert statement.accepts_endorsements()

    post(client, url(statement, "status/"), {"action": "publish"})
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED and statement.published_on is not None

    post(client, url(statement, "status/"), {"action": "close"})
    statement.refresh_from_db()
    assert statement.status == Statement.Status.CLOSED
    assert not statement.accepts_endorsements()
    actions = set(statement.history.values_list("action", flat=True))
    assert {"opened", "published", "closed"} <= actions


def test_a_statement_without_a_ready_version_is_not_shown(network: Organization, network_editor: User) -> None:
    statement = StatementFactory(owner=network, status=Statement.Status.DRAFT, published_languages=[])

    response = post(client_for(network_editor), url(statement, "status/"), {"action": "open"}, follow=True)

    statement.refresh_from_db()
    assert statement.status == Statement.Status.DRAFT
    assert "Choose at least one published language version" in page_text(response)


def test_wrong_transition_is_refused_with_a_message(letter: Statement, letter_editor: User) -> None:
    response = post(client_for(letter_editor), url(letter, "status/"), {"action": "open"}, follow=True)

    assert "Only a draft or a closed statement can be opened." in page_text(response)


def test_only_managers_change_the_status(letter: Statement, cso_owner: User) -> None:
    response = post(client_for(cso_owner), url(letter, "status/"), {"action": "close"})

    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.status == Statement.Status.OPEN


# Endorsements received elsewhere ----------------------------------------------------------------------


def test_manager_records_an_endorsement_received_by_email(
    letter: Statement, letter_editor: User, cso: Organization, cso_owner: User
) -> None:
    data = {"organization": cso.pk, "named_publicly": "on"}

    response = post(client_for(letter_editor), url(letter, "manage/"), data)

    assert response.status_code == 302
    endorsement = Endorsement.objects.get(statement=letter, organization=cso)
    assert endorsement.source == Endorsement.Source.EMAIL
    assert endorsement.recorded_by == letter_editor
    assert endorsement.endorsed_by is None
    [message] = [message for message in mail.outbox if cso_owner.email in message.to]
    assert "recorded that Families for Freedom endorses" in message.body


def test_recording_twice_is_refused(letter: Statement, letter_editor: User, cso: Organization) -> None:
    EndorsementFactory(statement=letter, organization=cso)

    from statements import services

    with pytest.raises(Exception, match="already endorsed"):
        services.record_endorsement(letter_editor, letter, cso, named_publicly=True)


def test_manager_removes_an_endorsement(letter: Statement, letter_editor: User, cso: Organization) -> None:
    endorsement = EndorsementFactory(statement=letter, organization=cso)

    post(client_for(letter_editor), url(letter, "endorsements/remove/"), {"endorsement": endorsement.pk})

    assert not Endorsement.objects.exists()
    assert StatementHistoryEntry.objects.filter(statement=letter, action="removed").exists()


# Outreach ---------------------------------------------------------------------------------------------


def test_outreach_emails_the_owners_of_matching_verified_organizations(letter: Statement, letter_editor: User) -> None:
    topic = Topic.objects.get(slug="enforced-disappearance")
    matching = OrganizationFactory(kind=Organization.Kind.VICTIMS_ASSOCIATION, hq_country="TR")
    matching.topics.add(topic)
    operating_there = OrganizationFactory(kind=Organization.Kind.VICTIMS_ASSOCIATION, hq_country="DE", countries=["TR"])
    operating_there.topics.add(topic)
    wrong_kind = OrganizationFactory(kind=Organization.Kind.CSO, hq_country="TR")
    wrong_kind.topics.add(topic)
    unverified = OrganizationFactory(kind=Organization.Kind.VICTIMS_ASSOCIATION, hq_country="TR", status="pending")
    unverified.topics.add(topic)
    already = OrganizationFactory(kind=Organization.Kind.VICTIMS_ASSOCIATION, hq_country="TR")
    already.topics.add(topic)
    EndorsementFactory(statement=letter, organization=already)
    owners = {
        org.slug: member_of(org, Membership.Role.OWNER).email
        for org in [matching, operating_there, wrong_kind, unverified, already]
    }
    editor_of_matching = member_of(matching, Membership.Role.EDITOR).email
    criteria = {"topic": "enforced-disappearance", "kind": "victims", "country": "TR"}

    preview = client_for(letter_editor).get(url(letter, "outreach/"), criteria)
    assert "2 organisations match." in page_text(preview)
    assert mail.outbox == []

    response = post(client_for(letter_editor), url(letter, "outreach/"), criteria, follow=True)

    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {owners[matching.slug], owners[operating_there.slug]}
    assert editor_of_matching not in recipients
    assert all(len(message.to) == 1 for message in mail.outbox)  # no one sees who else was invited
    assert "Invitation to endorse" in mail.outbox[0].subject
    assert url(letter) in mail.outbox[0].body
    assert "Invitations are being sent to the owners of 2 organisations." in page_text(response)
    assert StatementHistoryEntry.objects.filter(statement=letter, action="outreach").exists()


def test_outreach_reaches_only_organizations_the_sender_may_see(letter: Statement, letter_editor: User) -> None:
    hidden = OrganizationFactory(listed_publicly=False, hq_country="TR")
    member_of(hidden, Membership.Role.OWNER)

    response = client_for(letter_editor).get(url(letter, "outreach/"), {"country": "TR"})

    assert "0 organisations match." in page_text(response)


def test_outreach_needs_an_open_statement(letter: Statement, letter_editor: User) -> None:
    OrganizationFactory(hq_country="TR")
    letter.status = Statement.Status.CLOSED
    letter.save()

    post(client_for(letter_editor), url(letter, "outreach/"), {"country": "TR"})

    assert mail.outbox == []


def test_outreach_is_for_managers_only(letter: Statement, cso_owner: User) -> None:
    assert client_for(cso_owner).get(url(letter, "outreach/")).status_code == 403


# Language versions ------------------------------------------------------------------------------------


@pytest.fixture
def bilingual(letter: Statement) -> Statement:
    letter.title_ar = "رسالة مفتوحة: ادعموا المدافعات عن حقوق الإنسان"
    letter.text_ar = "ندعو جميع الدول الأعضاء إلى الكف عن الانتقام."
    letter.title_fr = "Brouillon de traduction pas encore relu"
    letter.text_fr = "Texte non publié."
    letter.published_languages = ["en", "ar"]
    letter.save()
    return letter


def test_version_in_the_visitors_language_is_shown(bilingual: Statement) -> None:
    text = page_text(client_for().get(url(bilingual, language="ar")))

    assert "رسالة مفتوحة: ادعموا المدافعات عن حقوق الإنسان" in text
    assert 'lang="ar" dir="rtl"' in text
    assert "is not published in" not in text
    assert f'href="/en/statements/{bilingual.slug}/"' in text


def test_unpublished_version_falls_back_to_english_with_a_notice(bilingual: Statement) -> None:
    text = page_text(client_for().get(url(bilingual, language="fr")))

    assert "Brouillon de traduction" not in text  # written but not ticked as ready
    assert "Open letter: support women human rights defenders" in text
    assert '<div class="statement__text" lang="en" dir="ltr">' in text
    assert f'href="/ar/statements/{bilingual.slug}/"' in text
    assert f'href="/fr/statements/{bilingual.slug}/"' not in text


def test_list_and_feed_use_the_published_version(bilingual: Statement) -> None:
    bilingual.published_on = bilingual.created_at.date()
    bilingual.status = Statement.Status.PUBLISHED
    bilingual.save()

    assert "Brouillon de traduction" not in page_text(client_for().get("/fr/statements/"))
    feed = client_for().get("/ar/statements/feed/").content.decode()
    assert "رسالة مفتوحة: ادعموا المدافعات" in feed
    assert f"/ar/statements/{bilingual.slug}/" in feed


def test_operator_sees_the_admin(letter: Statement) -> None:
    operator = UserFactory(is_superuser=True, is_staff=True)
    EndorsementFactory(statement=letter)

    response = client_for(operator).get(f"/admin/statements/statement/{letter.pk}/change/")

    assert response.status_code == 200
    assert "title_ar" in page_text(response)
