"""The home page in a real browser: direction and language per language, and the language switcher."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import save_screenshots

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("code", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_home_page_has_language_and_direction(page: Page, base_url: str, code: str, direction: str) -> None:
    response = page.goto(f"{base_url}/{code}/")

    assert response is not None
    assert response.status == 200
    assert page.evaluate("document.documentElement.lang") == code
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    save_screenshots(page, "home", code)


def test_language_switcher_button_is_hidden_when_script_runs(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/en/")

    # portal.js marks the document and submits the form on change, so the stylesheet hides the button.
    assert page.evaluate("document.documentElement.classList.contains('js')")
    assert page.locator(".language-switcher button").is_hidden()


def test_language_switcher_is_readable(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/en/")

    select = page.locator("#language-select")
    assert select.is_visible()
    color, background = select.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert color != background


def test_choosing_arabic_in_language_switcher_switches_to_arabic(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/en/")

    with page.expect_navigation():
        page.select_option("#language-select", "ar")

    assert re.fullmatch(rf"{re.escape(base_url)}/ar/", page.url)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.locator("#language-select").input_value() == "ar"


def test_root_sends_browser_to_its_language(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")  # the page's browser asks for en-GB

    assert page.url == f"{base_url}/en/"
