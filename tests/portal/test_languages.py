"""Every page speaks each of the six languages: the right `lang` and direction, and the interface strings
from the portal's own compiled catalogues."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils.translation import gettext, override

from tests.portal.conftest import html_text

pytestmark = pytest.mark.django_db

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
OTHER_THAN_ENGLISH = [code for code in LANGUAGE_CODES if code != "en"]
# Strings from templates/includes/header.html. The portal's name exists only in the portal's catalogues;
# "Log in" is also in allauth's, so the name is what proves that our own catalogue is compiled and loaded.
HEADER_STRINGS = ["Civil Society Coordination Portal", "Log in"]


def translated(code: str, text: str) -> str:
    with override(code):
        return gettext(text)


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_home_page_answers_in_each_language(client: Client, code: str) -> None:
    response = client.get(f"/{code}/")

    assert response.status_code == 200
    assert response["Content-Language"] == code


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_home_page_declares_language_and_direction(client: Client, code: str) -> None:
    direction = "rtl" if code == "ar" else "ltr"

    response = client.get(f"/{code}/")

    assert f'<html lang="{code}" dir="{direction}">' in response.content.decode()


@pytest.mark.parametrize("code", LANGUAGE_CODES)
@pytest.mark.parametrize("text", HEADER_STRINGS)
def test_home_page_shows_interface_strings_in_its_language(client: Client, code: str, text: str) -> None:
    response = client.get(f"/{code}/")

    assert html_text(translated(code, text)) in response.content.decode()


@pytest.mark.parametrize("code", OTHER_THAN_ENGLISH)
@pytest.mark.parametrize("text", HEADER_STRINGS)
def test_interface_strings_are_translated(code: str, text: str) -> None:
    assert translated(code, text) != text, f"{text!r} has no {code} translation: is the .mo file compiled?"


def test_root_redirects_to_accept_language(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "ar"})

    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_root_redirects_to_kurdish_for_kurdish_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "ku,en;q=0.5"})

    assert response["Location"] == "/ku/"


def test_root_falls_back_to_english_for_other_languages(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})

    assert response["Location"] == "/en/"


def test_language_cookie_wins_over_accept_language(client: Client) -> None:
    client.cookies["portal_language"] = "es"

    response = client.get("/", headers={"accept-language": "ar"})

    assert response["Location"] == "/es/"


@pytest.mark.parametrize(
    "path",
    [
        *[f"/{code}/" for code in LANGUAGE_CODES],
        "/en/accounts/login/",
        "/ar/accounts/signup/",
        "/fr/accounts/password/reset/",
        "/ku/accounts/login/",
    ],
)
def test_language_switcher_is_on_every_page(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    content = response.content.decode()
    # A GET form for anonymous visitors: the page carries no per-visitor token and may come from the public cache.
    assert '<form class="language-switcher" action="/i18n/setlang/" method="get">' in content
    assert f'<input name="next" type="hidden" value="{path}">' in content
    for code in LANGUAGE_CODES:
        assert f'<option value="{code}" lang="{code}"' in content


NAMES_IN_THEMSELVES = {
    "en": "English",
    "ar": "العربية",
    "ku": "Kurdî",
    "fr": "français",
    "es": "español",
    "ru": "русский",
}


@pytest.mark.parametrize("page_language", ["en", "ar", "ru"])
def test_language_switcher_names_each_language_in_itself(client: Client, page_language: str) -> None:
    content = client.get(f"/{page_language}/").content.decode()

    for code, name in NAMES_IN_THEMSELVES.items():
        selected = " selected" if code == page_language else " "
        assert f'<option value="{code}" lang="{code}"{selected}>{name}</option>' in content
