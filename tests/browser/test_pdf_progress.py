"""The "Preparing the PDF" page in a real browser, with a real Celery worker (tests/workers.py): a reader opens the
Arabic PDF of a published edition that no worker has rendered yet, sees the progress page in Arabic, right to left,
reloading by itself while no worker runs; once a worker is started it renders the PDF, and the page's own reload
hands the reader the file."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, Response, expect
from pypdf import PdfReader

from tests.factories import EditionFactory, PublicationFactory
from tests.workers import WAIT_SECONDS, celery_workers, needs_workers

pytestmark = [pytest.mark.browser, needs_workers]

EDITION_AR = "العدد الأول من نشرة مشروع دعم الضحايا"


@pytest.fixture
def private_media(settings: Any, tmp_path: Path) -> Path:
    # The live server runs in this process and the worker in another: both keep PDFs in this test's folder.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def is_the_pdf(response: Response) -> bool:
    return response.status == 200 and response.headers.get("content-type") == "application/pdf"


def arabic_words_of(body: bytes) -> set[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return set(unicodedata.normalize("NFKC", text).split())


def test_the_progress_page_hands_over_the_pdf_once_a_real_worker_rendered_it(
    page: Page, base_url: str, private_media: Path, tmp_path: Path
) -> None:
    edition = EditionFactory(publication=PublicationFactory(slug="victim-support-project"), title_ar=EDITION_AR)
    address = f"{base_url}/ar/bulletins/victim-support-project/{edition.number}/pdf/"
    with translation.override("ar"):
        preparing = gettext("Preparing the PDF")

    with celery_workers(tmp_path / "workers", env={"PRIVATE_MEDIA_ROOT": str(private_media)}) as workers:
        response = page.goto(address)

        assert response is not None and response.status == 202
        expect(page.locator("main h1")).to_have_text(preparing)
        expect(page.locator("[role=status] progress")).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert page.evaluate("document.documentElement.dir") == "rtl"
        # No worker yet: the page reloads by itself (every 2 s) and still waits, the task queued once.
        with page.expect_navigation(timeout=10_000):
            pass
        expect(page.locator("main h1")).to_have_text(preparing)
        assert workers.broker.llen("celery") == 1
        assert not any(private_media.rglob("*.pdf"))

        # Chromium shows the PDF in its own viewer, at the same address.
        with page.expect_response(is_the_pdf, timeout=WAIT_SECONDS * 1000) as pdf:
            workers.start()
        assert "portal.tasks.render_pdf" in workers.log()
        # What the viewer shows, read again by the browser (Playwright hands over the viewer's page, not the file).
        body = page.request.get(address).body()

    assert pdf.value.url == address
    assert "-ar.pdf" in pdf.value.headers["content-disposition"]
    expect(page.locator("main h1")).to_have_count(0)
    assert body.startswith(b"%PDF-"), body[:100]
    assert set(EDITION_AR.split()) <= arabic_words_of(body)
    assert len(list(private_media.rglob("*.pdf"))) == 1
