"""An edition from the composer to the reader, in a real browser: a coordinator of the publisher creates
edition 1, adds two sections (each also titled in Arabic), previews and publishes it; a visitor reads it in
Arabic and downloads its PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from newsletters.models import Edition, Publication
from organizations.models import Membership
from tests.browser.conftest import pass_second_factor, save_screenshots
from tests.conftest import PASSWORD
from tests.factories import PublicationFactory, host_organization, make_coordinator

pytestmark = pytest.mark.browser


EDITION_EN = "Edition Number 1: April to September 2024"
EDITION_AR = "العدد الأول: نيسان/أبريل – أيلول/سبتمبر 2024"
SECTIONS = [
    ("Joint Activities and Statements by Victims' Groups", "الأنشطة والبيانات المشتركة لمجموعات الضحايا"),
    ("Advocacy Activities", "أنشطة المناصرة"),
]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    # The live server runs in this process: its rendered PDFs go to this test's folder, not the project's var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/en/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/en/accounts/login/'] button[type=submit]")
    pass_second_factor(page)


def submit(page: Page, form: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(form).locator("button[type=submit]").last.click()


def create_edition(page: Page, base_url: str, publication: Publication) -> None:
    page.goto(f"{base_url}/en/bulletins/{publication.slug}/")
    with page.expect_navigation():
        page.get_by_role("link", name="New edition").click()
    expect(page.locator("#id_number")).to_have_value("1")
    page.fill("#id_title_en", EDITION_EN)
    page.locator("details.other-languages summary").click()
    page.fill("#id_title_ar", EDITION_AR)
    page.fill("#id_period_start", "2024-04-01")
    page.fill("#id_period_end", "2024-09-30")
    submit(page)
    assert page.url == f"{base_url}/en/bulletins/{publication.slug}/1/compose/"
    expect(page.locator(".messages")).to_contain_text("The edition is saved.")


def add_section(page: Page, title_en: str, title_ar: str) -> None:
    form = page.locator("form[action$='/sections/new/']")
    form.locator("#id_title_en").fill(title_en)
    form.locator("details.other-languages summary").click()
    form.locator("#id_title_ar").fill(title_ar)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".compose-section h2", has_text=title_en)).to_have_count(1)


def test_coordinator_composes_and_publishes_an_edition_a_visitor_reads_it_in_arabic(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    publisher = host_organization()
    coordinator = make_coordinator(Membership.Role.EDITOR, publisher, email="hala@iiim.example.org")
    publication = PublicationFactory(owner=publisher, slug="victim-support-project")

    log_in(page, base_url, coordinator.email)
    create_edition(page, base_url, publication)
    for title_en, title_ar in SECTIONS:
        add_section(page, title_en, title_ar)
    expect(page.locator(".compose-section h2")).to_have_text([f"1. {SECTIONS[0][0]}", f"2. {SECTIONS[1][0]}"])
    save_screenshots(page, "bulletin", "1-compose")

    with page.expect_navigation():
        page.get_by_role("link", name="Preview").click()
    expect(page.locator(".alert--warning")).to_contain_text("Preview: this edition is not published.")
    expect(page.locator("article.edition h1")).to_have_text(EDITION_EN)
    save_screenshots(page, "bulletin", "2-preview")
    page.go_back()

    with page.expect_navigation():
        page.get_by_role("button", name="Publish now").click()
    expect(page.locator(".messages")).to_contain_text("The edition is published.")
    edition = Edition.objects.get(publication=publication, number=1)
    assert edition.status == Edition.Status.PUBLISHED

    # A visitor, signed out, reads it in Arabic.
    page.context.clear_cookies()
    page.goto(f"{base_url}/ar/bulletins/{publication.slug}/1/")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    # The edition's Arabic texts take the page's direction; none is marked as another language.
    expect(page.locator("article.edition h1[lang], article.edition section [lang]")).to_have_count(0)
    expect(page.locator(".alert--warning")).to_have_count(0)
    expect(page.locator("article.edition h1")).to_have_text(EDITION_AR)
    expect(page.locator("article.edition section h2")).to_have_text([title_ar for _title_en, title_ar in SECTIONS])
    save_screenshots(page, "bulletin", "3-edition-ar")

    pdf_url = page.locator("a.button[href$='/pdf/']").get_attribute("href")
    assert pdf_url == f"/ar/bulletins/{publication.slug}/1/pdf/"
    # The English PDF is offered too, named in English; there is none in a language the edition lacks.
    expect(page.locator(".edition__pdfs a[hreflang='en']")).to_have_text("English")
    expect(page.locator(".edition__pdfs a")).to_have_count(2)
    response = page.request.get(base_url + pdf_url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    assert len(list((tmp_path / "private" / "pdf").glob("*.pdf"))) == 2  # English and Arabic, rendered on publishing
