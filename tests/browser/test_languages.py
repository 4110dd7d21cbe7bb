"""The portal in each of its languages, in a real browser: Arabic mirrors (direction, navigation order), and
the pages a reader lands on most (home, directory, an edition) carry the right lang and dir and a navigation
in the reader's language, as the compiled catalogue has it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page

from newsletters.models import Edition
from tests.factories import EditionFactory, ItemFactory, OrganizationFactory, SectionFactory

pytestmark = pytest.mark.browser

# The visitor's navigation, in its order (templates/includes/header.html).
NAVIGATION = ["Directory", "Agreements", "Events", "Bulletins", "Statements", "Consultations", "Log in", "Sign up"]


@pytest.fixture
def edition(base_url: str) -> Edition:
    OrganizationFactory.create_batch(3)
    edition = EditionFactory(number=1, title_ar="العدد الأول: نيسان/أبريل – أيلول/سبتمبر 2024")
    ItemFactory(section=SectionFactory(edition=edition))
    return edition


def pages(edition: Edition) -> dict[str, str]:
    return {
        "home": "/",
        "directory": "/organizations/",
        "edition": f"/bulletins/{edition.publication.slug}/{edition.number}/",
    }


@pytest.mark.parametrize("language", ["ku", "fr", "es", "ru"])
def test_main_pages_speak_the_readers_language(page: Page, base_url: str, edition: Edition, language: str) -> None:
    with translation.override(language):
        expected = [gettext(label) for label in NAVIGATION]
        skip_link = gettext("Skip to content")
    # Words the catalogue translates differently (French keeps "Bulletins") must not show in English.
    untranslated = {label for label, translated in zip(NAVIGATION, expected, strict=True) if label != translated}

    for name, address in pages(edition).items():
        response = page.goto(f"{base_url}/{language}{address}")
        assert response is not None
        assert response.status == 200, name
        assert page.evaluate("document.documentElement.lang") == language, name
        assert page.evaluate("document.documentElement.dir") == "ltr", name
        navigation = [text.strip() for text in page.locator(".site-nav li").all_inner_texts()]
        assert navigation == expected, name
        assert untranslated.isdisjoint(navigation), name
        assert page.locator(".skip-link").inner_text() == skip_link, name


def test_arabic_page_runs_right_to_left_with_navigation_starting_on_the_right(
    page: Page, base_url: str, edition: Edition
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})

    for name, address in pages(edition).items():
        page.goto(f"{base_url}/ar{address}")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl", name
        items = page.locator(".site-nav li")
        first, last = items.first.bounding_box(), items.last.bounding_box()
        assert first is not None
        assert last is not None
        assert first["x"] > last["x"], name
        # The brand opens the header on the right, the language switcher closes it on the left.
        brand, switcher = page.locator(".brand").bounding_box(), page.locator(".language-switcher").bounding_box()
        assert brand is not None
        assert switcher is not None
        assert brand["x"] > first["x"] > switcher["x"], name
        # Text starts on the right: the main heading's words end at the right edge of its box.
        gap = page.locator("main h1").evaluate(
            """heading => {
              const range = document.createRange();
              range.selectNodeContents(heading);
              return heading.getBoundingClientRect().right - range.getBoundingClientRect().right;
            }"""
        )
        assert abs(gap) < 2, name


@pytest.fixture
def _media(settings: Any, tmp_path: Path) -> None:
    # The live server runs in this process: its rendered PDFs go to this test's folder, not the project's var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.mark.parametrize("language", ["ku", "fr", "es", "ru"])
def test_error_page_and_pdf_in_the_readers_language(
    page: Page, base_url: str, edition: Edition, _media: None, language: str
) -> None:
    with translation.override(language):
        expected = [gettext(label) for label in NAVIGATION]
        heading = gettext("Page not found")

    response = page.goto(f"{base_url}/{language}/no-such-page/")

    assert response is not None
    assert response.status == 404
    assert page.evaluate("document.documentElement.lang") == language
    assert page.locator("main h1").inner_text() == heading
    assert [text.strip() for text in page.locator(".site-nav li").all_inner_texts()] == expected
    assert page.locator("main a.button").get_attribute("href") == f"/{language}/"

    # The edition was written in English and Arabic only: its page offers those PDFs, never one in the reader's
    # language, and the one it offers first is the English document.
    page.goto(f"{base_url}/{language}/bulletins/{edition.publication.slug}/{edition.number}/")
    links = [link.get_attribute("href") for link in page.locator(".edition__pdfs a").all()]
    assert links == [
        f"/en/bulletins/{edition.publication.slug}/{edition.number}/pdf/",
        f"/ar/bulletins/{edition.publication.slug}/{edition.number}/pdf/",
    ]
    pdf = page.request.get(base_url + links[0])
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
