"""Importing endorsements received elsewhere from a CSV file: all rows or none, each bad row reported with its line
number; organisations by address or name, among those the importing coordinator may see."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.models import Membership, Organization
from portal.models import User
from statements.models import Endorsement, Statement
from tests.factories import EndorsementFactory, OrganizationFactory
from tests.statements.conftest import client_for, member_of, page_text, post, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizations(db: None) -> dict[str, Organization]:
    return {
        "stj": OrganizationFactory(
            name_en="Syrians for Truth and Justice",
            name_ar="سوريون من أجل الحقيقة والعدالة",
            acronym="STJ",
            slug="stj",
            hq_country="FR",
        ),
        "caesar": OrganizationFactory(
            name_en="Caesar Families Association", name_ar="رابطة عائلات قيصر", acronym="", slug="caesar"
        ),
        "pending": OrganizationFactory(
            name_en="Pending Group", name_ar="", acronym="", slug="pending", status="pending"
        ),
    }


def upload(user: User, letter: Statement, content: str, name: str = "endorsements.csv") -> str:
    file = SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")
    return page_text(post(client_for(user), url(letter, "endorsements/import/"), {"file": file}))


def test_good_file_imports_every_row(
    letter: Statement, letter_editor: User, organizations: dict[str, Organization]
) -> None:
    owner = member_of(organizations["caesar"], Membership.Role.OWNER, email="owner@caesar.example.org")

    text = upload(letter_editor, letter, "organization,named\nstj,yes\nرابطة عائلات قيصر,no\n")

    assert "2 endorsements imported." in text
    rows = {e.organization.slug: e for e in Endorsement.objects.filter(statement=letter).select_related("organization")}
    assert set(rows) == {"stj", "caesar"}
    assert rows["stj"].named_publicly and not rows["caesar"].named_publicly
    assert {e.source for e in rows.values()} == {Endorsement.Source.IMPORTED}
    assert rows["stj"].recorded_by == letter_editor
    assert [m for m in mail.outbox if owner.email in m.to], "the organisation's owners are told"


def test_names_acronyms_semicolons_and_an_empty_named_cell(
    letter: Statement, letter_editor: User, organizations: dict[str, Organization]
) -> None:
    text = upload(letter_editor, letter, "Organisation;Named\nSTJ;\ncaesar families association;YES\n")

    assert "2 endorsements imported." in text
    assert not Endorsement.objects.get(organization=organizations["stj"]).named_publicly  # empty: not named


def test_bad_rows_are_reported_with_their_line_numbers_and_nothing_is_imported(
    letter: Statement, letter_editor: User, organizations: dict[str, Organization]
) -> None:
    EndorsementFactory(statement=letter, organization=organizations["caesar"])
    content = "\n".join(
        [
            "organization,named",
            "stj,yes",  # line 2: fine
            "no-such-organisation,yes",  # line 3
            "pending,yes",  # line 4: not verified
            "stj,no",  # line 5: twice in the file
            "caesar,yes",  # line 6: already endorsed
            "",  # blank lines are skipped but counted
            "STJ,maybe",  # line 8
        ]
    )

    text = upload(letter_editor, letter, content)

    assert Endorsement.objects.filter(statement=letter).count() == 1  # only the one there before
    assert "Nothing was imported: 5 rows have errors." in text
    assert "Line 2<" not in text
    for line in (3, 4, 5, 6, 8):
        assert f"Line {line}<" in text
    assert "No verified organisation has the address or name “no-such-organisation”." in text
    assert "is already on line 2" in text
    assert "Caesar Families Association has already endorsed this statement." in text
    assert "write yes or no" in text


def test_hidden_organization_is_answered_like_an_unknown_one(letter: Statement) -> None:
    # The network's editor is not a coordinator: an unlisted organisation must not be confirmed to exist.
    editor = member_of(letter.owner, Membership.Role.EDITOR)
    OrganizationFactory(name_en="Hidden Survivors Group", slug="hidden-survivors", listed_publicly=False)

    text = upload(editor, letter, "organization,named\nhidden-survivors,yes\n")

    assert "No verified organisation has the address or name “hidden-survivors”." in text
    assert not Endorsement.objects.exists()


def test_a_name_shared_by_two_organizations_asks_for_the_address(letter: Statement, letter_editor: User) -> None:
    OrganizationFactory(name_en="Release Me", acronym="", slug="release-me-1")
    OrganizationFactory(name_en="Release Me", acronym="", slug="release-me-2")

    text = upload(letter_editor, letter, "organization,named\nRelease Me,yes\n")

    assert "give the address (slug) instead" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name\nstj\n", "The first line must name the columns: organization and named."),
        ("organization,named\n", "The file has no endorsements below its first line."),
    ],
)
def test_unusable_file_is_refused(letter: Statement, letter_editor: User, content: str, message: str) -> None:
    assert message in upload(letter_editor, letter, content)


def test_file_that_is_not_utf8_is_refused(letter: Statement, letter_editor: User) -> None:
    file = SimpleUploadedFile("e.csv", "organization,named\nCôte,yes\n".encode("latin-1"), content_type="text/csv")

    text = page_text(post(client_for(letter_editor), url(letter, "endorsements/import/"), {"file": file}))

    assert "The file is not UTF-8 text." in text


def test_neutralised_formula_cell_is_read_as_it_was_exported(letter: Statement, letter_editor: User) -> None:
    OrganizationFactory(name_en="=Equal Rights Now", acronym="", slug="equal-rights-now")

    text = upload(letter_editor, letter, "organization,named\n'=Equal Rights Now,yes\n")

    assert "1 endorsement imported." in text


def test_only_the_statements_managers_import(letter: Statement, organizations: dict[str, Organization]) -> None:
    outsider = member_of(organizations["stj"], Membership.Role.OWNER)
    file = SimpleUploadedFile("e.csv", b"organization,named\nstj,yes\n", content_type="text/csv")

    response = post(client_for(outsider), url(letter, "endorsements/import/"), {"file": file})

    assert response.status_code == 403
    assert not Endorsement.objects.exists()


def test_export_neutralises_formulas(letter: Statement) -> None:
    EndorsementFactory(statement=letter, organization=OrganizationFactory(name_en="=HYPERLINK(1)", acronym=""))

    text = client_for().get(url(letter, "endorsers.csv")).content.decode("utf-8-sig")

    assert "'=HYPERLINK(1)" in text
