"""The main navigation on a phone: folded behind a menu button that opens with a click or the keyboard, with no
script at all, and mirrored in Arabic; on a wide screen, the links in a row and no button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import SCREEN_SIZES, save_screenshots
from tests.browser.test_accessibility import blocking_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page that runs no script: the menu must not depend on portal.js."""
    context = browser.new_context(locale="en-GB", viewport=SCREEN_SIZES["phone"], java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_phone_menu_is_closed_until_clicked(phone: Page, base_url: str, language: str) -> None:
    phone.goto(f"{base_url}/{language}/")

    button = phone.locator(".site-nav summary")
    links = phone.locator(".site-nav li a")
    assert button.is_visible()
    assert phone.locator(".site-nav details").evaluate("menu => menu.open") is False
    assert not links.first.is_visible()

    button.click()

    assert links.first.is_visible()
    assert links.last.is_visible()
    # The list runs down the page, one link under the other.
    first, last = links.first.bounding_box(), links.last.bounding_box()
    assert first is not None
    assert last is not None
    assert last["y"] > first["y"]
    save_screenshots(phone, "navigation", f"phone-menu-open-{language}")


def test_phone_menu_opens_from_the_keyboard_and_its_links_are_reachable(phone: Page, base_url: str) -> None:
    phone.goto(f"{base_url}/en/")

    phone.keyboard.press("Tab")  # the skip link
    phone.keyboard.press("Tab")  # the brand
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert phone.evaluate("document.activeElement.closest('nav.site-nav') !== null")

    phone.keyboard.press("Enter")
    assert phone.locator(".site-nav details").evaluate("menu => menu.open") is True
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Directory"

    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    assert phone.url == f"{base_url}/en/organizations/"


@pytest.mark.parametrize(("language", "button_on_the_right"), [("en", False), ("ar", True)])
def test_phone_menu_mirrors_in_arabic(phone: Page, base_url: str, language: str, button_on_the_right: bool) -> None:
    phone.goto(f"{base_url}/{language}/")
    phone.locator(".site-nav summary").click()

    button = phone.locator(".site-nav summary").bounding_box()
    switcher = phone.locator(".language-switcher").bounding_box()
    link = phone.locator(".site-nav li a").first.bounding_box()
    assert button is not None
    assert switcher is not None
    assert link is not None
    assert (button["x"] > switcher["x"]) is button_on_the_right
    # The open list starts on the same side as the button: the left in English, the right in Arabic.
    if button_on_the_right:
        assert abs((link["x"] + link["width"]) - (button["x"] + button["width"])) < 24
    else:
        assert abs(link["x"] - button["x"]) < 24


@pytest.mark.parametrize("language", ["en", "ar"])
def test_wide_screen_shows_the_links_in_a_row_without_a_menu_button(page: Page, base_url: str, language: str) -> None:
    page.set_viewport_size(SCREEN_SIZES["desktop"])
    page.goto(f"{base_url}/{language}/")

    assert page.locator(".site-nav summary").is_hidden()
    links = page.locator(".site-nav li a")
    assert links.first.is_visible()
    first, last = links.first.bounding_box(), links.last.bounding_box()
    assert first is not None
    assert last is not None
    assert abs(first["y"] - last["y"]) < 24


@pytest.mark.parametrize("language", ["en", "ar"])
def test_open_phone_menu_has_no_serious_accessibility_violation(page: Page, base_url: str, language: str) -> None:
    page.set_viewport_size(SCREEN_SIZES["phone"])
    page.goto(f"{base_url}/{language}/")
    page.locator(".site-nav summary").click()

    assert blocking_violations(page) == []
