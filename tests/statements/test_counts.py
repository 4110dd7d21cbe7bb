"""The figures ("380 organisations from 88 countries, 12 of which asked not to be named") and the grouping by
country come from the data, on the seeded 2021 Women, Peace and Security open letter and on small cases."""

from __future__ import annotations

import html
import re
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from organizations import demo as organizations_demo
from organizations.models import Membership, NamingConsent, Organization
from portal.countries import collation_key
from portal.models import User
from statements import demo as statements_demo
from statements import services
from statements.figures import ORGANIZATION_COLUMNS, figures_sql, install_triggers
from statements.models import Endorsement, Statement
from tests.events.test_concurrency import at_the_same_moment
from tests.factories import EndorsementFactory, OrganizationFactory, StatementFactory
from tests.statements.conftest import client_for, member_of, page_text, post, url

pytestmark = pytest.mark.django_db

WPS = "2021-wps-civil-society-open-letter"


@pytest.fixture
def seeded() -> Statement:
    # The demo's accounts get real password hashes; the fastest hasher keeps this fixture quick.
    with override_settings(DEBUG=True, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        organizations_demo.load()
        statements_demo.load()
    return Statement.objects.get(slug=WPS)


def test_seeded_letter_counts_380_organisations_from_88_countries(seeded: Statement) -> None:
    text = page_text(client_for().get(url(seeded)))

    expected = "Endorsed by 380 organisations, 12 of which asked not to be named; the named ones are from 88 countries."
    assert expected in text


def test_seeded_letter_groups_named_endorsers_by_country(seeded: Statement) -> None:
    text = page_text(client_for().get(url(seeded)))

    named = Endorsement.objects.filter(statement=seeded, named_publicly=True).select_related("organization")
    expected = Counter(str(endorsement.organization.hq_country.name) for endorsement in named)
    index = re.findall(r'<li><a href="\?country=[A-Z]{2}#endorsers">([^<]+) <span class="muted">\((\d+)\)</span>', text)
    assert {html.unescape(country): int(count) for country, count in index} == dict(expected)
    # In English order: Côte d'Ivoire before Croatia (portal.countries; tests/portal/test_countries.py per language).
    assert [html.unescape(country) for country, _count in index] == sorted(expected, key=collation_key)
    assert len(index) == 88
    assert sum(expected.values()) == 368


def test_named_endorsers_are_listed_once_each_over_the_pages(seeded: Statement) -> None:
    named = Endorsement.objects.filter(statement=seeded, named_publicly=True).select_related("organization")
    pages = [page_text(client_for().get(url(seeded) + f"?page={number}")) for number in (1, 2)]

    lists = [text[text.index('class="endorsers"') :] for text in pages]
    names = r'<li>(?:<a href="[^"]+">)?<bdi>([^<]+)'
    listed = [html.unescape(name) for text in lists for name in re.findall(names, text)]
    assert len(listed) == 368
    assert sorted(listed) == sorted(str(endorsement.organization.name) for endorsement in named)
    assert "Page 1 of 2" in pages[0]


def test_one_country_of_endorsers(seeded: Statement) -> None:
    text = page_text(client_for().get(url(seeded) + "?country=TR"))

    named = Endorsement.objects.filter(statement=seeded, named_publicly=True, organization__hq_country="TR")
    headings = re.findall(r"<h4>([^<]+) <span", text)
    assert headings == ["Turkey"] or headings == ["Türkiye"]
    for endorsement in named.select_related("organization"):
        assert html.escape(str(endorsement.organization.name)) in text


def test_seeded_letter_shows_its_five_language_versions(seeded: Statement) -> None:
    text = page_text(client_for().get(url(seeded, language="fr")))

    assert "Lettre ouverte 2021 de la société civile" in text
    for code in ("en", "ar", "es", "ru"):
        assert f'href="/{code}/statements/{WPS}/"' in text
    assert 'href="/ku/statements/' not in text  # no Kurdish version was published


def test_loading_the_demo_twice_changes_nothing(seeded: Statement) -> None:
    before = list(Endorsement.objects.order_by("pk").values_list("statement_id", "organization_id", "named_publicly"))

    with override_settings(DEBUG=True):
        statements_demo.load()

    after = list(Endorsement.objects.order_by("pk").values_list("statement_id", "organization_id", "named_publicly"))
    assert before == after
    assert Statement.objects.count() == 3


def test_charter_statement_is_endorsed_by_its_member_associations(seeded: Statement) -> None:
    statement = Statement.objects.get(slug="truth-and-justice-charter-26-june-2024")

    text = page_text(client_for().get(url(statement)))

    assert statement.endorsements.count() == len(organizations_demo.CHARTER_MEMBERS)
    assert "Caesar Families Association" in text
    assert "Endorsed by 7 organisations from 3 countries." in text


def test_countries_count_only_the_named_endorsers_and_skip_a_missing_country(letter: Statement) -> None:
    for country, named in [("FR", True), ("FR", True), ("TR", True), ("DE", False), ("", True)]:
        EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country=country), named_publicly=named)

    text = page_text(client_for().get(url(letter)))

    # Germany's only endorser is not named: counting its country would point at it.
    assert "Endorsed by 5 organisations, 1 of which asked not to be named; the named ones are from 2 countries." in text
    assert "Germany" not in text
    assert '<h4>France <span class="muted">(2)</span></h4>' in text
    assert "<h4>Country not given" in text


def test_singular_forms(letter: Statement) -> None:
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="SY"), named_publicly=False)

    text = page_text(client_for().get(url(letter)))

    assert "Endorsed by 1 organisation, 1 of which asked not to be named." in text
    assert "No endorsing organisation has agreed to be named publicly." in text


def test_one_named_country_beside_an_unnamed_endorser(letter: Statement) -> None:
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="JO"), named_publicly=False)
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="FR"), named_publicly=True)

    text = page_text(client_for().get(url(letter)))

    assert "Endorsed by 2 organisations, 1 of which asked not to be named; the named ones are from 1 country." in text
    assert "Jordan" not in text


def test_no_endorser_yet(letter: Statement) -> None:
    assert "No organisation has endorsed this statement yet." in page_text(client_for().get(url(letter)))


def figures(statement: Statement) -> tuple[int, int, int]:
    statement.refresh_from_db()
    return statement.endorsers_count, statement.countries_count, statement.unnamed_count


def test_stored_figures_follow_every_change_of_the_endorsements(letter: Statement) -> None:
    france = EndorsementFactory(
        statement=letter, organization=OrganizationFactory(hq_country="FR"), named_publicly=True
    )
    turkey = EndorsementFactory(
        statement=letter, organization=OrganizationFactory(hq_country="TR"), named_publicly=False
    )
    assert figures(letter) == (2, 1, 1)

    turkey.named_publicly = True
    turkey.save()
    assert figures(letter) == (2, 2, 0)

    france.organization.hq_country = "TR"
    france.organization.save()
    assert figures(letter) == (2, 1, 0)

    turkey.organization.delete()  # an erased organisation's endorsements go with it
    assert figures(letter) == (1, 1, 0)

    france.delete()
    assert figures(letter) == (0, 0, 0)


def test_stored_figures_follow_bulk_writes_and_raw_sql(letter: Statement) -> None:
    other = StatementFactory()
    organizations = [OrganizationFactory(hq_country=country) for country in ("FR", "TR", "SY")]
    Endorsement.objects.bulk_create(
        Endorsement(statement=statement, organization=organization)
        for statement in (letter, other)
        for organization in organizations
    )
    assert figures(letter) == figures(other) == (3, 0, 3)

    Endorsement.objects.filter(statement=letter).update(named_publicly=True, naming_consent=NamingConsent.OWNER)
    assert figures(letter) == (3, 3, 0)
    assert figures(other) == (3, 0, 3)

    Organization.objects.filter(pk__in=[o.pk for o in organizations[:2]]).update(hq_country="JO")
    assert figures(letter) == (3, 2, 0)

    Organization.objects.filter(pk=organizations[2].pk).update(hidden_at=timezone.now())
    assert figures(letter) == (3, 1, 1)

    third = StatementFactory()
    Endorsement.objects.filter(statement=letter, organization=organizations[0]).update(statement=third)
    assert figures(letter) == (2, 1, 1)
    assert figures(third) == (1, 1, 0)

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Endorsement._meta.db_table} WHERE statement_id = %s", [other.pk])  # noqa: S608
    assert figures(other) == (0, 0, 0)
    assert figures(letter) == (2, 1, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two transactions open at once (PostgreSQL)")
def test_endorsements_committed_at_the_same_moment_are_all_counted(transactional_db: None) -> None:
    statement = StatementFactory()
    endorsers = [OrganizationFactory(hq_country=country) for country in ("FR", "TR", "DE", "JO")]

    def endorse(index: int) -> None:
        with transaction.atomic():
            Endorsement.objects.create(statement=statement, organization=endorsers[index])
            # Held open while the others write: each count must still see the endorsements committed before it.
            time.sleep(0.3)

    at_the_same_moment(len(endorsers), endorse)

    assert figures(statement) == (4, 0, 4)


def test_every_statement_is_counted_again_after_a_migrate(letter: Statement) -> None:
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="FR"), named_publicly=True)
    # Figures counted by an older rule, before the code being migrated to.
    Statement.objects.filter(pk=letter.pk).update(endorsers_count=7, countries_count=3, unnamed_count=2)

    install_triggers()

    assert figures(letter) == (1, 1, 0)


def test_the_triggers_watch_every_column_of_the_endorser_that_the_figures_read() -> None:
    sql = figures_sql(connection, "SELECT 1")
    read = set(re.findall(rf'"{Organization._meta.db_table}"\."(\w+)"', sql))

    assert read - {"id"} == set(ORGANIZATION_COLUMNS)


def test_stored_figures_after_the_services(letter: Statement, cso: Organization, cso_owner: User) -> None:
    services.endorse(cso_owner, letter, cso, named_publicly=False)
    assert figures(letter)[0] == 1 and figures(letter)[2] == 1

    endorsement = Endorsement.objects.get(statement=letter, organization=cso)
    endorsement.statement = letter
    services.withdraw(cso_owner, endorsement)
    assert figures(letter) == (0, 0, 0)


def test_an_endorsement_recorded_for_an_organization_adds_its_country_once_it_confirms(
    letter: Statement, letter_editor: User, cso: Organization, cso_owner: User
) -> None:
    post(client_for(letter_editor), url(letter, "manage/"), {"organization": cso.pk, "named_publicly": "on"})
    assert figures(letter) == (1, 0, 1)
    assert "Germany" not in page_text(client_for().get(url(letter)))

    endorsement = Endorsement.objects.get(statement=letter, organization=cso)
    post(client_for(cso_owner), url(letter, "name/"), {"endorsement": endorsement.pk})

    assert figures(letter) == (1, 1, 0)
    assert "Germany" in page_text(client_for().get(url(letter)))


def test_unlisting_an_endorser_named_by_its_editor_takes_its_country_off(letter: Statement, cso: Organization) -> None:
    services.endorse(member_of(cso, Membership.Role.EDITOR), letter, cso, named_publicly=True)
    assert figures(letter) == (1, 1, 0)

    cso.listed_publicly = False
    cso.save()

    assert figures(letter) == (1, 0, 1)


def test_demo_names_an_unlisted_endorser_only_as_its_owner_chose(seeded: Statement) -> None:
    named = Endorsement.objects.visible_to(None).select_related("organization")

    assert named.filter(statement=seeded).count() == 368
    for endorsement in named.filter(organization__listed_publicly=False):
        owners = Membership.objects.filter(organization=endorsement.organization, role=Membership.Role.OWNER)
        assert owners.exists(), f"{endorsement.organization} is named, though it has no owner to consent"
        assert endorsement.naming_consent_by in {owner.user for owner in owners}


def test_editing_a_statement_loaded_earlier_keeps_the_newer_figures(letter: Statement) -> None:
    loaded = Statement.objects.get(pk=letter.pk)
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="SY"), named_publicly=True)

    loaded.title_en = "A new title"
    loaded.save()

    assert figures(letter) == (1, 1, 0)
    assert letter.title_en == "A new title"


def test_endorsers_without_a_country_have_their_own_page(letter: Statement) -> None:
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="", name_en="Nowhere Network"))
    EndorsementFactory(statement=letter, organization=OrganizationFactory(hq_country="FR", name_en="Paris Collective"))
    Endorsement.objects.filter(statement=letter).update(named_publicly=True)

    text = page_text(client_for().get(url(letter) + "?country=-"))

    assert "Nowhere Network" in text
    assert "Paris Collective" not in text
    assert '<a href="?country=-#endorsers" aria-current="true">Country not given' in text
