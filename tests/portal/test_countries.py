"""Country lists in the reader's language and order, in all six languages: filters (the directory's, and the API's
form, a statement's outreach) offer only the countries in use; forms where a country is chosen (registering an
organisation, scheduling an event) offer every country; endorsers are grouped by country in that order too.
Orders are checked against each language's alphabet, written out here, not against the code's own sort."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from django.test import Client
from django.utils import translation

from organizations.models import Membership
from portal.countries import collation_key, country_choices
from portal.models import User
from tests.conftest import sign_in
from tests.factories import (
    EndorsementFactory,
    MembershipFactory,
    OrganizationFactory,
    StatementFactory,
    UserFactory,
    make_coordinator,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ar", "ku", "fr", "es", "ru"]
LATIN = "abcdefghijklmnopqrstuvwxyz"
# Each language's alphabet; a letter missing here (é, ё, أ) counts as its base letter.
ALPHABETS = {
    "en": LATIN,
    "fr": LATIN,
    "es": "abcdefghijklmnñopqrstuvwxyz",
    "ku": "abcçdeêfghiîjklmnopqrsştuûvwxyz",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "ru": "абвгдежзийклмнопрстуфхцчшщъыьэюя",
}
IN_USE = {"TR", "SY", "DE", "JO", "LB", "FR", "RU", "ES", "EG", "IQ"}


def first_letter_rank(name: str, language: str) -> int:
    alphabet = ALPHABETS[language]
    letter = name.casefold()[0]
    if letter not in alphabet:
        letter = unicodedata.normalize("NFD", letter)[0]
    return alphabet.index(letter) if letter in alphabet else -1


def assert_in_alphabetical_order(names: list[str], language: str) -> None:
    ranks = [first_letter_rank(name, language) for name in names]
    assert -1 not in ranks, [name for name, rank in zip(names, ranks, strict=True) if rank == -1]
    out_of_order = [(a, b) for (a, b, ra, rb) in zip(names, names[1:], ranks, ranks[1:], strict=False) if ra > rb]
    assert out_of_order == [], out_of_order


def options(page: str, field: str) -> list[tuple[str, str]]:
    [select] = re.findall(rf'<select name="{field}"[^>]*>(.*?)</select>', page, re.S)
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
    return [(value, html.unescape(name)) for value, name in found if value]


def countries_named(language: str, codes: set[str]) -> set[tuple[str, str]]:
    with translation.override(language):
        return {(code, name) for code, name in country_choices(codes)}


@pytest.fixture
def in_use() -> None:
    for number, code in enumerate(sorted(IN_USE)):
        OrganizationFactory(hq_country=code, countries=["SY"] if number % 2 else [])
    OrganizationFactory(hq_country="NZ", listed_publicly=False)  # not listed: its country is not in use


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_country_in_the_readers_alphabetical_order(language: str) -> None:
    with translation.override(language):
        choices = country_choices()

    assert len(choices) == 249
    assert_in_alphabetical_order([name for _code, name in choices], language)


def test_names_sort_as_each_language_does() -> None:
    def ordered(language: str, *names: str) -> list[str]:
        return sorted(names, key=lambda name: collation_key(name, language))

    # Hamza forms count as alef; letters after the article decide.
    assert ordered("ar", "ألمانيا", "الأردن", "أذربيجان") == ["أذربيجان", "الأردن", "ألمانيا"]
    assert ordered("ru", "Ёлка", "Египет", "Жуково") == ["Египет", "Ёлка", "Жуково"]
    assert ordered("ru", "Йемен", "Израиль", "Кения") == ["Израиль", "Йемен", "Кения"]
    assert ordered("fr", "Espagne", "Érythrée", "Égypte") == ["Égypte", "Érythrée", "Espagne"]
    assert ordered("es", "Ñandú", "Nueva Zelanda", "Omán") == ["Nueva Zelanda", "Ñandú", "Omán"]
    assert ordered("ku", "Çad", "Cuba", "Danîmarka") == ["Cuba", "Çad", "Danîmarka"]
    assert ordered("en", "Çad", "Cuba", "Danîmarka") == ["Çad", "Cuba", "Danîmarka"]


def test_kurdish_pages_name_countries_in_kurmanji() -> None:
    with translation.override("ku"):
        names = dict(country_choices())

    assert (names["DE"], names["SY"], names["TR"], names["IQ"], names["US"]) == (
        "Almanya",
        "Sûriye",
        "Tirkiye",
        "Iraq",
        "Dewletên Yekbûyî yên Amerîkayê",
    )
    with translation.override("en"):
        english = dict(country_choices())
    same = [code for code, name in names.items() if name == english[code]]
    assert len(same) < 70, same  # only names written alike in both (Andorra, Angola, Oman...)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_directory_offers_the_countries_in_use_in_the_readers_order(in_use: None, language: str) -> None:
    offered = options(Client().get(f"/{language}/organizations/").content.decode(), "country")

    assert set(offered) == countries_named(language, IN_USE)
    assert_in_alphabetical_order([name for _code, name in offered], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_apis_filter_form_offers_the_countries_in_use_in_the_readers_order(in_use: None, language: str) -> None:
    page = Client().get("/api/v1/organizations/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE=language)
    offered = options(page.content.decode(), "country")

    assert set(offered) == countries_named(language, IN_USE)
    assert_in_alphabetical_order([name for _code, name in offered], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_outreach_offers_the_countries_of_the_organisations_it_may_reach(in_use: None, language: str) -> None:
    network = OrganizationFactory(kind="network", hq_country="CH")
    statement = StatementFactory(owner=network)
    editor = UserFactory()
    MembershipFactory(user=editor, organization=network, role=Membership.Role.EDITOR)
    client = Client()
    sign_in(client, editor)

    page = client.get(f"/{language}/statements/{statement.slug}/outreach/").content.decode()
    offered = options(page, "country")

    # The organisations the editor may reach: not the statement's owner (Switzerland), nor the unlisted one in New
    # Zealand, which the editor may not see.
    assert set(offered) == countries_named(language, IN_USE)
    assert_in_alphabetical_order([name for _code, name in offered], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_registering_an_organisation_offers_every_country_in_the_readers_order(language: str) -> None:
    client = Client()
    client.force_login(UserFactory())

    page = client.get(f"/{language}/organizations/register/").content.decode()

    for field in ("hq_country", "countries"):
        offered = options(page, field)
        assert len(offered) == 249
        assert_in_alphabetical_order([name for _code, name in offered], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_scheduling_an_event_offers_every_country_in_the_readers_order(language: str) -> None:
    client = Client()
    sign_in(client, make_coordinator())

    offered = options(client.get(f"/{language}/events/new/").content.decode(), "country")

    assert len(offered) == 249
    assert_in_alphabetical_order([name for _code, name in offered], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_endorsers_are_grouped_by_country_in_the_readers_order(language: str) -> None:
    statement = StatementFactory()
    for code in sorted(IN_USE):
        EndorsementFactory(statement=statement, organization=OrganizationFactory(hq_country=code))

    page = Client().get(f"/{language}/statements/{statement.slug}/").content.decode()
    headings = [html.unescape(name).strip() for name in re.findall(r"<h4>([^<]*)<span", page)]

    assert sorted(headings) == sorted(name for _code, name in countries_named(language, IN_USE))
    assert_in_alphabetical_order(headings, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("address", "fields"),
    [
        ("/admin/organizations/organization/add/", ("hq_country", "countries")),
        ("/admin/events/event/add/", ("country",)),
    ],
)
def test_the_admins_country_fields_in_the_readers_order(
    operator: User, language: str, address: str, fields: tuple[str, ...]
) -> None:
    client = Client()
    sign_in(client, operator)
    client.cookies["portal_language"] = language

    page = client.get(address)

    assert page.status_code == 200
    for field in fields:
        offered = options(page.content.decode(), field)
        assert len(offered) == 249
        assert_in_alphabetical_order([name for _code, name in offered], language)
