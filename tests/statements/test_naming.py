"""The naming rule for endorsements (DESIGN.md, "Visibility"; issue 21): an organisation is named to the public
only with its own consent. An endorsement recorded on its behalf (by the statement's publisher, from an email or
a file) stays unnamed until the organisation confirms it: one of its owners, or for a listed organisation one of
its editors too. The organisation can always change how it is named, and withdraw what was recorded for it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.models import Membership, Organization
from portal.models import User
from statements import services
from statements.models import Endorsement, Statement
from tests.factories import EndorsementFactory, OrganizationFactory, UserFactory, make_coordinator
from tests.statements.conftest import client_for, member_of, page_text, post, url

pytestmark = pytest.mark.django_db

QUIET = "Quiet Witnesses Association"
LISTED = "Families for Freedom"  # the `cso` fixture: verified and listed
CONFIRM_BUTTON = "Name us publicly"


@pytest.fixture
def quiet(db: None) -> Organization:
    """A verified organisation that chose not to be listed in the directory."""
    return OrganizationFactory(
        name_en=QUIET, name_ar="", acronym="QWA", slug="quiet-witnesses", hq_country="TR", listed_publicly=False
    )


@pytest.fixture
def quiet_owner(quiet: Organization) -> User:
    return member_of(quiet, Membership.Role.OWNER, email="owner@quiet.example.org", preferred_language="ar")


@pytest.fixture
def publisher(letter: Statement) -> User:
    """A coordinator of the host organisation that publishes the letter: coordinators see unlisted organisations
    too, so they can record an endorsement for one."""
    letter.owner.is_host = True
    letter.owner.save()
    return make_coordinator(Membership.Role.EDITOR, letter.owner, email="editor@wpn.example.org")


def public_text(letter: Statement) -> str:
    """What the public reads about the letter's endorsers: page, API, CSV, printable version and feed."""
    client = client_for()
    return "\n".join(
        [
            page_text(client.get(url(letter))),
            client.get(f"/api/v1/statements/{letter.slug}/endorsers/").content.decode(),
            client.get(url(letter, "endorsers.csv")).content.decode("utf-8-sig"),
            services.statement_pdf_html(letter, "en"),
            client.get("/en/statements/feed/").content.decode(),
        ]
    )


def assert_not_named(letter: Statement, name: str, slug: str) -> None:
    text = public_text(letter)
    assert name not in text
    assert slug not in text


def record(user: User, letter: Statement, organization: Organization, *, named: bool = True) -> None:
    data = {"organization": organization.pk, **({"named_publicly": "on"} if named else {})}
    assert post(client_for(user), url(letter, "manage/"), data).status_code == 302


def choose(user: User, letter: Statement, action: str, organization: Organization) -> str:
    """Post the organisation's choice ("name/", "stop-naming/", "withdraw/") and read the page it leads to."""
    endorsement = Endorsement.objects.get(statement=letter, organization=organization)
    return page_text(post(client_for(user), url(letter, action), {"endorsement": endorsement.pk}, follow=True))


def named_publicly(letter: Statement, organization: Organization) -> bool:
    return Endorsement.objects.filter(statement=letter, organization=organization).visible_to(None).exists()


# Recorded on the organisation's behalf --------------------------------------------------------------------


def test_endorsement_recorded_as_named_for_an_unlisted_organization_is_not_named(
    letter: Statement, publisher: User, quiet: Organization, quiet_owner: User
) -> None:
    record(publisher, letter, quiet)

    assert_not_named(letter, QUIET, "quiet-witnesses")
    assert "Endorsed by 1 organisation, 1 of which asked not to be named." in page_text(client_for().get(url(letter)))


def test_endorsement_recorded_as_named_for_a_listed_organization_waits_for_its_confirmation(
    letter: Statement, publisher: User, cso: Organization, cso_owner: User
) -> None:
    record(publisher, letter, cso)

    assert_not_named(letter, LISTED, cso.slug)


def test_imported_named_endorsement_is_not_named_until_the_organization_confirms(
    letter: Statement, publisher: User, cso: Organization, quiet: Organization
) -> None:
    file = SimpleUploadedFile(
        "endorsements.csv", f"organization,named\n{cso.slug},yes\n{quiet.slug},yes\n".encode(), content_type="text/csv"
    )
    response = post(client_for(publisher), url(letter, "endorsements/import/"), {"file": file})
    assert "2 endorsements imported." in page_text(response)

    assert_not_named(letter, LISTED, cso.slug)
    assert_not_named(letter, QUIET, "quiet-witnesses")


def test_the_organizations_owners_are_asked_in_their_language_to_confirm(
    letter: Statement, publisher: User, cso: Organization, cso_owner: User, quiet: Organization, quiet_owner: User
) -> None:
    record(publisher, letter, cso)
    record(publisher, letter, quiet)

    [english] = [message for message in mail.outbox if message.to == [cso_owner.email]]
    assert english.subject == "Please confirm: may Families for Freedom be named among the endorsers?"
    assert "your organisation is not named until it confirms this itself" in english.body
    assert f"/en/statements/{letter.slug}/" in english.body
    [arabic] = [message for message in mail.outbox if message.to == [quiet_owner.email]]
    assert "لا يُذكر حتى تؤكد ذلك بنفسها" in arabic.body
    assert f"/ar/statements/{letter.slug}/" in arabic.body


def test_owner_confirms_and_the_organization_is_named(
    letter: Statement, publisher: User, quiet: Organization, quiet_owner: User
) -> None:
    record(publisher, letter, quiet)
    assert CONFIRM_BUTTON in page_text(client_for(quiet_owner).get(url(letter)))

    choose(quiet_owner, letter, "name/", quiet)

    assert QUIET in page_text(client_for().get(url(letter)))
    assert QUIET in services.statement_pdf_html(letter, "en")
    endorsement = Endorsement.objects.get(statement=letter, organization=quiet)
    assert (endorsement.naming_consent, endorsement.naming_consent_by) == ("owner", quiet_owner)
    assert endorsement.naming_consent_at is not None
    assert endorsement.recorded_by == publisher


def test_editor_of_a_listed_organization_confirms_too(letter: Statement, publisher: User, cso: Organization) -> None:
    editor = member_of(cso, Membership.Role.EDITOR)
    record(publisher, letter, cso)

    choose(editor, letter, "name/", cso)

    assert named_publicly(letter, cso)
    assert Endorsement.objects.get(statement=letter, organization=cso).naming_consent == "editor"


def test_editor_of_an_unlisted_organization_cannot_confirm(
    letter: Statement, publisher: User, quiet: Organization, quiet_owner: User
) -> None:
    editor = member_of(quiet, Membership.Role.EDITOR)
    record(publisher, letter, quiet)
    page = page_text(client_for(editor).get(url(letter)))
    assert CONFIRM_BUTTON not in page
    assert "only one of its owners can choose to name it" in page

    text = choose(editor, letter, "name/", quiet)

    assert not named_publicly(letter, quiet)
    assert "An organisation is named only by its own choice" in text


def test_neither_the_publisher_nor_an_operator_can_confirm_for_the_organization(
    letter: Statement, publisher: User, quiet: Organization, quiet_owner: User, operator: User
) -> None:
    record(publisher, letter, quiet)

    for outsider in (publisher, operator):
        choose(outsider, letter, "name/", quiet)

    assert not named_publicly(letter, quiet)


def test_owner_chooses_to_stay_unnamed(
    letter: Statement, publisher: User, quiet: Organization, quiet_owner: User
) -> None:
    record(publisher, letter, quiet)

    text = choose(quiet_owner, letter, "stop-naming/", quiet)

    endorsement = Endorsement.objects.get(statement=letter, organization=quiet)
    assert not endorsement.named_publicly
    assert endorsement.naming_consent == ""
    assert "It is counted but not named publicly." in text
    assert CONFIRM_BUTTON in text, "it may still choose to be named later"


def test_organization_names_itself_on_an_endorsement_recorded_as_unnamed(
    letter: Statement, publisher: User, cso: Organization, cso_owner: User
) -> None:
    record(publisher, letter, cso, named=False)

    choose(cso_owner, letter, "name/", cso)

    assert LISTED in page_text(client_for().get(url(letter)))


def test_organization_withdraws_an_endorsement_recorded_for_it_after_the_statement_closed(
    letter: Statement, publisher: User, quiet: Organization, quiet_owner: User
) -> None:
    record(publisher, letter, quiet, named=False)
    services.close_statement(publisher, letter)

    choose(quiet_owner, letter, "withdraw/", quiet)

    assert not Endorsement.objects.filter(statement=letter, organization=quiet).exists()


def test_publisher_sees_which_endorsements_wait_for_the_organizations_confirmation(
    letter: Statement, publisher: User, quiet: Organization
) -> None:
    record(publisher, letter, quiet)

    text = page_text(client_for(publisher).get(url(letter, "manage/")))

    assert "Waiting for the organisation's confirmation" in text
    assert "its owners are asked by email" in text


# Endorsed on the portal -----------------------------------------------------------------------------------


def test_editor_endorsing_for_an_unlisted_organization_is_named_once_an_owner_confirms(
    letter: Statement, quiet: Organization, quiet_owner: User
) -> None:
    editor = member_of(quiet, Membership.Role.EDITOR)
    post(client_for(editor), url(letter, "endorse/"), {"organization": quiet.pk, "named_publicly": "on"})

    assert not named_publicly(letter, quiet)
    [message] = [message for message in mail.outbox if message.to == [quiet_owner.email]]
    assert f"/ar/statements/{letter.slug}/" in message.body

    choose(quiet_owner, letter, "name/", quiet)

    assert named_publicly(letter, quiet)


def test_owner_endorsing_on_the_portal_names_an_unlisted_organization_at_once(
    letter: Statement, quiet: Organization, quiet_owner: User
) -> None:
    post(client_for(quiet_owner), url(letter, "endorse/"), {"organization": quiet.pk, "named_publicly": "on"})

    assert QUIET in page_text(client_for().get(url(letter)))
    assert Endorsement.objects.get(organization=quiet).naming_consent_by == quiet_owner


def test_editor_endorsing_for_a_listed_organization_is_named_at_once(letter: Statement, cso: Organization) -> None:
    editor = member_of(cso, Membership.Role.EDITOR)

    post(client_for(editor), url(letter, "endorse/"), {"organization": cso.pk, "named_publicly": "on"})

    assert LISTED in page_text(client_for().get(url(letter)))


def test_unlisting_takes_the_name_off_what_only_an_editor_consented_to(letter: Statement, cso: Organization) -> None:
    editor = member_of(cso, Membership.Role.EDITOR)
    services.endorse(editor, letter, cso, named_publicly=True)

    cso.listed_publicly = False
    cso.save()

    assert LISTED not in public_text(letter)


# The existing endorsements --------------------------------------------------------------------------------


def test_migration_keeps_the_consent_of_endorsements_made_by_the_organizations_editors_and_owners(
    letter: Statement, cso: Organization, cso_owner: User, quiet: Organization, quiet_owner: User
) -> None:
    former = UserFactory()
    editor = member_of(quiet, Membership.Role.EDITOR)
    other = OrganizationFactory()
    rows = {
        "owner": EndorsementFactory(statement=letter, organization=cso, endorsed_by=cso_owner),
        "editor": EndorsementFactory(statement=letter, organization=quiet, endorsed_by=editor),
        "former": EndorsementFactory(statement=letter, organization=other, endorsed_by=former),
        "recorded": EndorsementFactory(organization=cso, source="email", recorded_by=UserFactory(), endorsed_by=None),
        "unnamed": EndorsementFactory(organization=quiet, endorsed_by=quiet_owner, named_publicly=False),
    }
    Endorsement.objects.update(naming_consent="", naming_consent_by=None, naming_consent_at=None)

    migration = importlib.import_module("statements.migrations.0003_naming_consent")
    migration.keep_own_consent(apps, None)

    consent = {key: Endorsement.objects.get(pk=row.pk) for key, row in rows.items()}
    assert (consent["owner"].naming_consent, consent["owner"].naming_consent_by) == ("owner", cso_owner)
    assert consent["owner"].naming_consent_at == consent["owner"].created_at
    assert (consent["editor"].naming_consent, consent["editor"].naming_consent_by) == ("editor", editor)
    assert consent["former"].naming_consent == ""
    assert consent["recorded"].naming_consent == ""
    assert consent["unnamed"].naming_consent == ""
    assert named_publicly(letter, cso)
    assert not named_publicly(letter, quiet), "an editor's consent does not name an unlisted organisation"
