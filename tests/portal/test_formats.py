"""Dates, times and numbers as each language writes them (portal/formats/<language>/formats.py, Django's own
locale beneath them, and the catalogues' month names): Arabic with its own comma and in day-month-year order,
Kurmanji with its month names, which Django, having no Kurmanji locale, does not know."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import formats, translation

from tests.factories import EditionFactory

# 16 December 2026, 13:05, as the pages show it once in the reader's time zone.
MOMENT = datetime.datetime(2026, 12, 16, 13, 5)
DAY = MOMENT.date()

DATES = {
    "en": ("16 December 2026", "16 December 2026, 13:05", "December 2026"),
    "ar": ("16 ديسمبر 2026", "16 ديسمبر 2026، 1:05 م", "ديسمبر 2026"),
    "ku": ("16 Berfanbar 2026", "16 Berfanbar 2026, 13:05", "Berfanbar 2026"),
    "fr": ("16 décembre 2026", "16 décembre 2026 13:05", "décembre 2026"),
    "es": ("16 de diciembre de 2026", "16 de diciembre de 2026 a las 13:05", "diciembre de 2026"),
    "ru": ("16 декабря 2026 г.", "16 декабря 2026 г. 13:05", "Декабрь 2026 г."),
}

KURMANJI_MONTHS = [
    "Çile",
    "Sibat",
    "Adar",
    "Nîsan",
    "Gulan",
    "Hezîran",
    "Tîrmeh",
    "Tebax",
    "Îlon",
    "Cotmeh",
    "Mijdar",
    "Berfanbar",
]

NUMBERS = {
    "en": "1,234,567.5",
    "ar": "1,234,567.5",
    "ku": "1.234.567,5",
    "fr": "1\xa0234\xa0567,5",
    "es": "1\xa0234\xa0567,5",
    "ru": "1\xa0234\xa0567,5",
}


@pytest.mark.parametrize("language", DATES)
def test_date_in_each_language(language: str) -> None:
    with translation.override(language):
        assert formats.date_format(DAY, "DATE_FORMAT") == DATES[language][0]


@pytest.mark.parametrize("language", DATES)
def test_date_and_time_in_each_language(language: str) -> None:
    with translation.override(language):
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == DATES[language][1]


@pytest.mark.parametrize("language", DATES)
def test_month_and_year_in_each_language(language: str) -> None:
    with translation.override(language):
        assert formats.date_format(DAY, "YEAR_MONTH_FORMAT") == DATES[language][2]


def test_arabic_date_has_no_latin_comma() -> None:
    with translation.override("ar"):
        written = [formats.date_format(MOMENT, name) for name in ("DATE_FORMAT", "DATETIME_FORMAT")]

    assert all("," not in text for text in written), written


@pytest.mark.parametrize(("month", "name"), list(enumerate(KURMANJI_MONTHS, start=1)))
def test_kurmanji_month_names(month: int, name: str) -> None:
    with translation.override("ku"):
        assert formats.date_format(datetime.date(2024, month, 15), "DATE_FORMAT") == f"15 {name} 2024"


@pytest.mark.parametrize("language", NUMBERS)
def test_numbers_in_each_language(language: str) -> None:
    with translation.override(language):
        assert formats.number_format(Decimal("1234567.5"), use_l10n=True, force_grouping=True) == NUMBERS[language]


@pytest.mark.django_db
def test_pages_write_a_month_and_year_as_the_language_does(client: Client) -> None:
    edition = EditionFactory()

    spanish = client.get(f"/es/bulletins/{edition.publication.slug}/{edition.number}/").content.decode()
    month = client.get("/ru/events/?view=month&month=2026-12").content.decode()

    assert "abril de 2024 – septiembre de 2024" in spanish
    assert "<h1>Декабрь 2026 г.</h1>" in month
