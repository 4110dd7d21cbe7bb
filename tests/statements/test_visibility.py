"""Who sees what: endorsers that asked not to be named are counted everywhere and named nowhere public (page,
PDF, feed, API, CSV); drafts exist only for the owner's editors and owners."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags
from pypdf import PdfReader
from rest_framework.test import APIClient

from organizations.models import Membership, Organization
from portal.access import MANAGE
from portal.models import User
from statements import services
from statements.models import Statement, may_create_statements
from tests.conftest import sign_in
from tests.factories import EndorsementFactory, OrganizationFactory, StatementFactory, UserFactory
from tests.statements.conftest import client_for, member_of, page_text, url

pytestmark = pytest.mark.django_db

HIDDEN = "Quiet Witnesses Association"
NAMED = "Syrians for Truth and Justice"


@pytest.fixture
def endorsed(letter: Statement) -> dict[str, Any]:
    """A published letter endorsed by a named organisation and one that asked not to be named."""
    named = OrganizationFactory(name_en=NAMED, name_ar="سوريون من أجل الحقيقة والعدالة", acronym="STJ", hq_country="FR")
    hidden = OrganizationFactory(name_en=HIDDEN, name_ar="", acronym="QWA", hq_country="TR", slug="quiet-witnesses")
    EndorsementFactory(statement=letter, organization=named, named_publicly=True)
    EndorsementFactory(statement=letter, organization=hidden, named_publicly=False)
    services.publish_statement(UserFactory(is_superuser=True), letter)
    letter.refresh_from_db()
    return {"letter": letter, "named": named, "hidden": hidden}


def assert_hidden_not_named(text: str) -> None:
    for fragment in (HIDDEN, "quiet-witnesses", "QWA"):
        assert fragment not in text


def pdf_text(user: User | None, letter: Statement, language: str = "en") -> str:
    response = client_for(user).get(url(letter, "pdf/", language))
    assert response.status_code == 200  # Celery is eager in tests: rendered before the view looks again
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_page_counts_but_does_not_name_the_hidden_endorser(endorsed: dict[str, Any]) -> None:
    text = page_text(client_for().get(url(endorsed["letter"])))

    assert NAMED in text
    assert_hidden_not_named(text)
    assert "Endorsed by 2 organisations, 1 of which asked not to be named; the named ones are from 1 country." in text


def test_pdf_counts_but_does_not_name_the_hidden_endorser(endorsed: dict[str, Any]) -> None:
    text = pdf_text(None, endorsed["letter"])

    assert NAMED in text
    assert_hidden_not_named(text)
    assert "Endorsed by 2 organisations, 1 of which asked not to be named; the named ones are from 1 country." in (
        " ".join(text.split())
    )


def test_pdf_does_not_name_the_hidden_endorser_even_for_the_statements_managers(
    endorsed: dict[str, Any], letter_editor: User
) -> None:
    # The PDF is one file for every reader, stored under its content hash.
    assert_hidden_not_named(pdf_text(letter_editor, endorsed["letter"]))


def test_arabic_pdf_is_right_to_left_and_names_only_the_named(endorsed: dict[str, Any]) -> None:
    letter = endorsed["letter"]
    html = services.statement_pdf_html(letter, "ar")

    assert 'dir="rtl"' in html
    assert_hidden_not_named(html)
    assert "سوريون من أجل الحقيقة والعدالة" in pdf_text(None, letter, "ar")


def test_feed_counts_but_does_not_name_the_hidden_endorser(endorsed: dict[str, Any]) -> None:
    response = client_for().get("/en/statements/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "Open letter: support women human rights defenders" in text
    assert_hidden_not_named(text)
    assert "1 of which asked not to be named" in text


def test_api_counts_but_does_not_name_the_hidden_endorser(endorsed: dict[str, Any], letter_editor: User) -> None:
    for user in (None, letter_editor, UserFactory(is_superuser=True)):
        client = APIClient()
        if user is not None:
            sign_in(client, user)
        listing = client.get("/api/v1/statements/")
        detail = client.get(f"/api/v1/statements/{endorsed['letter'].slug}/")

        assert listing.status_code == detail.status_code == 200
        assert_hidden_not_named(listing.content.decode() + detail.content.decode())
        payload = detail.json()
        assert payload["endorsements"] == {"organizations": 2, "countries": 1, "not_named": 1}
        endorsers = client.get(payload["endorsers_url"])
        assert endorsers.status_code == 200
        assert_hidden_not_named(endorsers.content.decode())
        assert [row["organization_name"] for row in endorsers.json()["results"]] == [NAMED]


def test_csv_export_does_not_name_the_hidden_endorser(endorsed: dict[str, Any]) -> None:
    response = client_for().get(url(endorsed["letter"], "endorsers.csv"))

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert NAMED in text
    assert_hidden_not_named(text)


def test_hidden_endorser_sees_itself_marked_not_named(endorsed: dict[str, Any]) -> None:
    member = member_of(endorsed["hidden"], Membership.Role.MEMBER)

    text = page_text(client_for(member).get(url(endorsed["letter"])))

    assert HIDDEN in text
    assert "not named publicly" in text


def test_signed_in_readers_share_the_public_index_but_each_sees_their_own_names(endorsed: dict[str, Any]) -> None:
    """A signed-in stranger's page reuses the public list of endorsers (statements.services.endorser_index):
    the hidden endorser's member, coming after, still sees its own name, and the stranger sees a change at once."""
    stranger, member = UserFactory(), member_of(endorsed["hidden"], Membership.Role.MEMBER)
    letter = endorsed["letter"]
    assert_hidden_not_named(page_text(client_for(stranger).get(url(letter))))

    assert HIDDEN in page_text(client_for(member).get(url(letter)))

    Organization.objects.filter(pk=endorsed["named"].pk).update(hidden_at=timezone.now())
    text = page_text(client_for(stranger).get(url(letter)))
    assert NAMED not in text
    assert_hidden_not_named(text)


def test_members_of_each_endorser_in_turn_see_their_own_endorsement_and_a_change_at_once(
    endorsed: dict[str, Any],
) -> None:
    """The endorsements of a reader's own organisations are shared by the members of the same organisations
    (statements.views.statement_detail): members of the hidden and the named endorser, read in turn and again
    backwards, each see only their own organisation's, and a withdrawal shows at once."""
    letter = endorsed["letter"]
    readers = {
        "hidden": client_for(member_of(endorsed["hidden"], Membership.Role.MEMBER)),
        "named": client_for(member_of(endorsed["named"], Membership.Role.MEMBER)),
        "also hidden": client_for(member_of(endorsed["hidden"], Membership.Role.MEMBER)),
    }
    own_line = "{} endorsed this statement on"
    for name in [*readers, *reversed(readers)]:
        text = strip_tags(page_text(readers[name].get(url(letter))))
        mine = endorsed["named" if name == "named" else "hidden"]
        other = endorsed["hidden" if name == "named" else "named"]

        assert own_line.format(mine.name) in text, name
        assert own_line.format(other.name) not in text, name

    letter.endorsements.filter(organization=endorsed["hidden"]).delete()
    assert own_line.format(HIDDEN) not in strip_tags(page_text(readers["hidden"].get(url(letter))))


def test_readers_who_see_what_the_public_sees_share_one_rendering_of_the_endorsers(endorsed: dict[str, Any]) -> None:
    letter = endorsed["letter"]
    first, second = UserFactory(), UserFactory()
    client_for(first).get(url(letter))

    with CaptureQueriesContext(connection) as queries:
        text = page_text(client_for(second).get(url(letter)))

    assert NAMED in text
    assert_hidden_not_named(text)
    assert not any("profile_visible" in query["sql"] for query in queries.captured_queries)


def test_statements_managers_see_every_endorser_on_the_management_page(
    endorsed: dict[str, Any], letter_editor: User
) -> None:
    text = page_text(client_for(letter_editor).get(url(endorsed["letter"], "manage/")))

    assert HIDDEN in text
    assert NAMED in text


def test_management_page_does_not_say_who_endorsed(endorsed: dict[str, Any], letter_editor: User) -> None:
    # Who works where is for the organisation's own members: the publishers see organisations, not people.
    person = UserFactory(email="amal.private@example.org")
    member_of(endorsed["named"], Membership.Role.OWNER)
    endorsement = endorsed["letter"].endorsements.get(organization=endorsed["named"])
    endorsement.endorsed_by = person
    endorsement.save()

    assert "amal.private@example.org" not in page_text(
        client_for(letter_editor).get(url(endorsed["letter"], "manage/"))
    )


def test_unlisted_named_endorser_is_named_without_a_link_to_its_profile(letter: Statement) -> None:
    unlisted = OrganizationFactory(name_en="Unlisted Families Group", listed_publicly=False)
    EndorsementFactory(statement=letter, organization=unlisted, named_publicly=True)

    text = page_text(client_for().get(url(letter)))

    assert "Unlisted Families Group" in text
    assert unlisted.get_absolute_url() not in text


# Drafts -----------------------------------------------------------------------------------------------


@pytest.fixture
def draft(db: None) -> Statement:
    return StatementFactory(status=Statement.Status.DRAFT, title_en="Secret draft letter", slug="secret-draft")


@pytest.mark.parametrize("suffix", ["", "pdf/", "endorsers.csv", "manage/", "edit/"])
def test_draft_is_404_to_outsiders(draft: Statement, suffix: str) -> None:
    outsiders = [None, member_of(OrganizationFactory(), Membership.Role.OWNER), member_of(draft.owner, "member")]
    for user in outsiders:
        response = client_for(user).get(url(draft, suffix))
        if user is None and suffix in ("manage/", "edit/"):
            assert response.status_code == 302  # to the login page, which tells nothing about the draft
        else:
            assert response.status_code == 404


def test_draft_is_not_listed_for_outsiders(draft: Statement) -> None:
    assert "Secret draft letter" not in page_text(client_for().get("/en/statements/"))
    assert "Secret draft letter" not in client_for().get("/en/statements/feed/").content.decode()
    assert APIClient().get("/api/v1/statements/").json()["count"] == 0
    assert APIClient().get("/api/v1/statements/secret-draft/").status_code == 404


def test_draft_is_shown_to_the_owners_editors(draft: Statement) -> None:
    editor = member_of(draft.owner, Membership.Role.EDITOR)

    assert "Secret draft letter" in page_text(client_for(editor).get("/en/statements/"))
    assert "Secret draft letter" in page_text(client_for(editor).get(url(draft)))
    client = APIClient()
    sign_in(client, editor)
    assert client.get("/api/v1/statements/secret-draft/").status_code == 200


def test_draft_is_shown_to_operators(draft: Statement) -> None:
    assert client_for(UserFactory(is_superuser=True)).get(url(draft)).status_code == 200


def test_draft_cannot_be_endorsed(draft: Statement) -> None:
    organization = OrganizationFactory()
    owner = member_of(organization, Membership.Role.OWNER)

    response = client_for(owner).post(url(draft, "endorse/"), {"organization": organization.pk})

    assert response.status_code == 404
    assert not draft.endorsements.exists()


def test_visible_to_matches_allows(draft: Statement, letter: Statement) -> None:
    editor = member_of(draft.owner, Membership.Role.EDITOR)
    people = [None, editor, member_of(draft.owner, "member"), UserFactory(is_superuser=True)]
    for user in people:
        visible = set(Statement.objects.visible_to(user))
        assert visible == {statement for statement in Statement.objects.all() if statement.allows(user)}


def test_the_rule_answers_for_editors_and_strangers(draft: Statement) -> None:
    editor = member_of(draft.owner, Membership.Role.EDITOR)
    stranger = member_of(OrganizationFactory(kind=Organization.Kind.CSO), Membership.Role.OWNER)

    assert draft.allows(editor)
    assert draft.allows(editor, MANAGE)
    assert may_create_statements(editor)  # an editor of a verified network may start one
    assert not draft.allows(stranger)
    assert not may_create_statements(stranger)  # a CSO endorses; networks and hosts publish


def test_readers_in_turn_are_each_offered_to_write_a_statement_or_not(draft: Statement) -> None:
    editor = member_of(draft.owner, Membership.Role.EDITOR)
    stranger = member_of(OrganizationFactory(kind=Organization.Kind.CSO), Membership.Role.OWNER)
    offered = {}
    for person in (editor, stranger, editor, stranger):
        offered[person] = "Write a statement" in client_for(person).get("/en/statements/").content.decode()

    assert offered == {editor: True, stranger: False}
    draft.owner.kind = Organization.Kind.CSO  # no longer a network: its editors endorse
    draft.owner.save()
    assert "Write a statement" not in client_for(editor).get("/en/statements/").content.decode()


def test_a_plain_member_sees_the_endorsement_of_its_organisation_without_the_editors_choices(
    endorsed: dict[str, Any],
) -> None:
    member = member_of(endorsed["hidden"], Membership.Role.MEMBER)

    text = " ".join(page_text(client_for(member).get(url(endorsed["letter"]))).split())

    assert HIDDEN in text and "endorsed this statement on" in text and "It is counted but not named publicly." in text
    assert "only one of its owners can choose" not in text
    assert "Withdraw the endorsement" not in text and "Name us publicly" not in text


def test_the_list_and_the_api_shared_with_an_editor_never_show_the_draft_to_others(
    draft: Statement, letter: Statement
) -> None:
    editor, outsider = member_of(draft.owner, Membership.Role.EDITOR), member_of(OrganizationFactory(), "member")
    editor_api, outsider_api = APIClient(), APIClient()
    sign_in(editor_api, editor)
    sign_in(outsider_api, outsider)

    # The editor's pages first: the cards and the API page of both statements are shared under their ids.
    assert "Secret draft letter" in page_text(client_for(editor).get("/en/statements/"))
    assert editor_api.get("/api/v1/statements/").json()["count"] == 2

    assert "Secret draft letter" not in page_text(client_for(outsider).get("/en/statements/"))
    assert [row["slug"] for row in outsider_api.get("/api/v1/statements/").json()["results"]] == [letter.slug]


def test_readers_of_the_same_statements_share_their_cards_and_see_a_change_at_once(letter: Statement) -> None:
    first, second = client_for(UserFactory()), client_for(UserFactory())
    first.get("/en/statements/")

    with CaptureQueriesContext(connection) as queries:
        shared = page_text(second.get("/en/statements/"))
    Statement.objects.filter(pk=letter.pk).update(title_en="Open letter: protect women human rights defenders")

    assert "support women human rights defenders" in shared
    assert not any('"statements_statement"."title_en"' in query["sql"] for query in queries.captured_queries)
    assert "protect women human rights defenders" in page_text(second.get("/en/statements/"))
    row = APIClient().get("/api/v1/statements/").json()["results"][0]
    assert row["title"] == "Open letter: protect women human rights defenders"
