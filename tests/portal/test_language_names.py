"""Languages are shown by their names in the reader's language (issue 17, item 6): never as codes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from portal.templatetags.language_names import language_name_local
from tests.factories import EventFactory


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Arabic", "Kurdish", "English", "Turkish", "Syriac"]),
        ("fr", ["Arabe", "Kurde", "Anglais", "Turc", "Syriaque"]),
        ("ar", ["العربية", "الكردية", "الإنجليزية", "التركية", "السريانية"]),
        ("ku", ["Erebî", "Kurdî", "Îngilîzî", "Tirkî", "Suryanî"]),
    ],
)
def test_a_code_is_named_in_the_readers_language(language: str, names: list[str]) -> None:
    with translation.override(language):
        assert [language_name_local(code) for code in ("ar", "ku", "en", "tr", "syc")] == names


def test_an_unknown_code_stays_as_it_is() -> None:
    assert language_name_local("xx-unknown") == "xx-unknown"


@pytest.mark.django_db
def test_the_event_page_names_its_languages() -> None:
    event = EventFactory(working_languages=["ar", "en"])

    page = Client().get(f"/fr/events/{event.slug}/").content.decode()

    assert "<dd>Arabe, Anglais</dd>" in page
