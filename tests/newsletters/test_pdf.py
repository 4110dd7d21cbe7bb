"""The PDF of an edition, rendered by the real WeasyPrint: what it says in English and in Arabic, that it is
rendered once per content version, and what the coordinator sees when rendering fails."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, TestCase
from pypdf import PdfReader

from newsletters import demo, services
from newsletters.models import Edition, EditionPDF, Item
from organizations.models import Membership, Organization
from portal import pdf
from portal.models import User
from tests.factories import OrganizationFactory
from tests.newsletters.conftest import client_for, edition_url, member_of, post, text_of

SCM_SLUG = "syrian-center-for-media-and-freedom-of-expression"
TITLE_EN = "Edition Number 3: April to September 2024"
# Bidi controls an extractor may wrap around right-to-left runs (LRM, RLM, embeddings, overrides, isolates).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def scm(db: None) -> Organization:
    """The publisher of the demo newsletter, a verified host organisation."""
    return OrganizationFactory(
        slug=SCM_SLUG,
        name_en="Syrian Center for Media and Freedom of Expression",
        name_ar="المركز السوري للإعلام وحرية التعبير",
        acronym="SCM",
        kind=Organization.Kind.CSO,
        is_host=True,
    )


@pytest.fixture
def edition(scm: Organization) -> Edition:
    """Edition 3 of the Newsletter of the Victim Support Project, as the demo data seeds it: three sections of
    two items each, the title, section titles and disclaimer also in Arabic."""
    demo.load()
    return Edition.objects.select_related("publication").get(publication__slug="victim-support-project", number=3)


@pytest.fixture
def coordinator(scm: Organization) -> User:
    return member_of(scm, Membership.Role.EDITOR, email="editor@scm.example.org")


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call to portal.pdf.render_pdf, which still renders with WeasyPrint."""
    calls: list[str] = []
    real = pdf.render_pdf

    def counting(html: str) -> bytes:
        calls.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "render_pdf", counting)
    return calls


def download(client: Client, edition: Edition, language: str = "en") -> bytes:
    """The edition's PDF as a visitor gets it. In a test the rendering queued after the commit runs once the
    request is over, so the first visit may see the "preparing" page and the visitor comes back."""
    url = edition_url(edition, "pdf/", language)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url)
    if response.status_code == 202:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return response.getvalue()


def normal(text: str) -> str:
    """NFKC, without bidi controls, whitespace folded (lines wrap wherever the layout breaks them)."""
    return " ".join(unicodedata.normalize("NFKC", BIDI_CONTROLS.sub("", text)).split())


def pdf_text(data: bytes) -> str:
    return normal("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def words(text: str) -> list[str]:
    return "".join(" " if unicodedata.category(char).startswith("P") else char for char in normal(text)).split()


def assert_arabic_paragraph_in(paragraph: str, text: str) -> None:
    """Every word of a right-to-left `paragraph` is in the extracted `text`. Extractors put a line's runs in
    visual order around neutral characters (full stops, slashes, digits), so a wrapped Arabic sentence does not
    come back as one substring; its words do."""
    missing = [word for word in words(paragraph) if word not in text]
    assert missing == [], f"missing {missing} in {text!r}"


def stored_pdfs() -> list[Path]:
    return sorted((Path(settings.PRIVATE_MEDIA_ROOT) / "pdf").glob("*.pdf"))


def test_english_pdf_has_the_title_every_section_heading_and_the_disclaimer(edition: Edition) -> None:
    text = pdf_text(download(client_for(), edition, "en"))

    assert TITLE_EN in text
    assert "The Newsletter of the Victim Support Project" in text
    for title_en, _title_ar in demo.SECTIONS:
        assert normal(title_en) in text
    assert normal(demo.DISCLAIMER) in text


def test_arabic_pdf_has_the_arabic_title_section_headings_and_disclaimer(edition: Edition) -> None:
    text = pdf_text(download(client_for(), edition, "ar"))

    assert normal("نشرة مشروع دعم الضحايا") in text
    assert_arabic_paragraph_in(edition.title_ar, text)
    for _title_en, title_ar in demo.SECTIONS:
        assert normal(title_ar) in text
    assert_arabic_paragraph_in(edition.disclaimer_ar, text)
    # Arabic where it was written, not the English fallback.
    assert TITLE_EN not in text
    assert "financial assistance of the European Union" not in text
    for title_en, _title_ar in demo.SECTIONS:
        assert normal(title_en) not in text


def test_pdf_in_a_language_the_edition_lacks_is_the_english_one(edition: Edition) -> None:
    assert not edition.has_translation("ku")

    response = client_for().get(edition_url(edition, "pdf/", "ku"))

    # Not an English document under a Kurdish name: the English PDF, at its own address.
    assert response.status_code == 302
    assert response["Location"] == edition_url(edition, "pdf/", "en")


def test_edition_page_offers_the_pdf_only_in_languages_the_edition_has(edition: Edition) -> None:
    kurdish = client_for().get(edition_url(edition, "", "ku")).content.decode()
    arabic = client_for().get(edition_url(edition, "", "ar")).content.decode()

    assert f'href="{edition_url(edition, "pdf/", "ku")}"' not in kurdish
    assert f'href="{edition_url(edition, "pdf/", "en")}"' in kurdish
    assert f'href="{edition_url(edition, "pdf/", "ar")}"' in kurdish
    assert f'href="{edition_url(edition, "pdf/", "ar")}"' in arabic
    assert f'href="{edition_url(edition, "pdf/", "fr")}"' not in arabic


@pytest.fixture
def french(edition: Edition) -> Edition:
    """The demo edition with its title and first section translated into French, its items not."""
    edition.title_fr = "Numéro 3 : d’avril à septembre 2024"
    edition.disclaimer_fr = "Ce document a été réalisé avec l’aide financière de l’Union européenne."
    edition.save()
    section = edition.sections.first()
    section.title_fr = "Activités et déclarations communes des groupes de victimes"
    section.save()
    return edition


def test_french_pdf_has_french_headings_dates_contents_and_disclaimer(french: Edition) -> None:
    text = pdf_text(download(client_for(), french, "fr"))

    assert "Numéro 3 : d’avril à septembre 2024" in text
    assert "Sommaire" in text
    assert "Contents" not in text
    assert "avril 2024 – septembre 2024" in text
    assert "24 mai 2024" in text  # an item's date
    assert "Activités et déclarations communes des groupes de victimes" in text
    assert "Ce document a été réalisé avec l’aide financière de l’Union européenne." in text
    assert normal(demo.DISCLAIMER) not in text


def test_french_pdf_marks_the_items_shown_in_english(french: Edition) -> None:
    html = services.edition_html(french, "fr")
    text = pdf_text(download(client_for(), french, "fr"))

    assert '<html lang="fr" dir="ltr">' in html
    assert '<h3 lang="en" dir="ltr"><bdi>Welcoming the Paris Criminal Court' in html
    # The second section's title is English too, in the contents and as a heading.
    assert html.count('lang="en" dir="ltr"><bdi>Advocacy Activities<') == 2
    assert "Welcoming the Paris Criminal Court's ruling in the Dabbagh case" in text
    # One note for the introduction and one for each item.
    assert text.count("Pas encore traduit : affiché en anglais.") == 7


def test_pdfs_in_two_languages_differ(french: Edition) -> None:
    assert download(client_for(), french, "fr") != download(client_for(), french, "en")


def test_arabic_pdf_lays_out_english_items_left_to_right(edition: Edition) -> None:
    html = services.edition_html(edition, "ar")
    text = pdf_text(download(client_for(), edition, "ar"))

    assert '<html lang="ar" dir="rtl">' in html
    # Full stops and quotation marks where an English reader puts them, not at the far end of the line.
    assert "Report: «Not Our Choice, but We Are Bound by Hope»" in text
    assert "«Letters of Pain»" in text
    assert normal("represented under the Truth and Justice Charter, issued a joint statement.") in text
    assert normal("culminated in a book titled «Letters of Pain».") in text
    assert ".Association" not in text
    assert_arabic_paragraph_in(edition.disclaimer_ar, text)


def test_english_pdf_keeps_arabic_names_in_their_order(edition: Edition) -> None:
    item = Item.objects.get(section__edition=edition, title_en="International Day in Support of Victims of Torture")
    first = OrganizationFactory(name_en="رابطة عائلات قيصر", name_ar="رابطة عائلات قيصر")
    second = OrganizationFactory(name_en="ملتقى الأمل", name_ar="ملتقى الأمل")
    item.organizations.set([first, second])

    text = pdf_text(download(client_for(), edition, "en"))

    # Each name is isolated: the comma between two right-to-left names does not swap them.
    assert re.search("Organisations mentioned: رابطة عائلات قيصر ?, ?ملتقى الأمل", text), text


def test_arabic_pdf_sets_an_english_name_left_to_right(edition: Edition) -> None:
    item = Item.objects.get(section__edition=edition, title_en="International Day in Support of Victims of Torture")
    item.organizations.set([OrganizationFactory(name_en="Adopt a Revolution e.V.", name_ar="")])

    text = pdf_text(download(client_for(), edition, "ar"))

    assert "Adopt a Revolution e.V." in text
    assert ".Adopt" not in text


def test_second_download_of_an_unchanged_edition_does_not_render_again(edition: Edition, renders: list[str]) -> None:
    first = download(client_for(), edition)
    second = download(client_for(), edition)

    assert len(renders) == 1
    assert second == first
    assert len(stored_pdfs()) == 1


def test_editing_an_item_produces_a_new_pdf_and_keeps_the_old_one(
    edition: Edition, coordinator: User, renders: list[str]
) -> None:
    download(client_for(), edition)
    old_key = EditionPDF.objects.get(edition=edition, language="en").content_key
    old_file = pdf.stored_pdf(old_key)
    old_bytes = old_file.read_bytes()
    item = Item.objects.get(section__edition=edition, title_en="International Day in Support of Victims of Torture")

    response = client_for(coordinator).post(
        edition_url(edition, f"sections/{item.section_id}/items/{item.pk}/"),
        {"date": "2024-06-26", "title_en": "International Day in Support of Victims of Torture, 26 June"},
    )
    assert response.status_code == 302
    text = pdf_text(download(client_for(), edition))

    assert "International Day in Support of Victims of Torture, 26 June" in text
    assert len(renders) == 2
    record = EditionPDF.objects.get(edition=edition, language="en")
    assert record.content_key != old_key
    assert pdf.stored_pdf(record.content_key).exists()
    assert old_file.read_bytes() == old_bytes
    assert len(stored_pdfs()) == 2


def test_rendered_pdf_is_ready_with_its_page_count(edition: Edition) -> None:
    data = download(client_for(), edition)

    record = EditionPDF.objects.get(edition=edition, language="en")
    assert record.status == EditionPDF.Status.READY
    assert record.error == ""
    assert record.pages == len(PdfReader(io.BytesIO(data)).pages)
    # A cover, the contents, the introduction and a page per section.
    assert record.pages >= 6


@pytest.fixture
def broken_renderer(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    def fail(html: str) -> bytes:
        raise RuntimeError("the layout of the Arabic cover did not fit the page")

    monkeypatch.setattr(pdf, "render_pdf", fail)
    return fail


def test_rendering_failure_is_recorded_and_shown_to_the_coordinator(
    edition: Edition, coordinator: User, broken_renderer: Callable[..., Any]
) -> None:
    client = client_for(coordinator)

    response = post(client, edition_url(edition, "render/"))
    assert response.status_code == 302

    records = EditionPDF.objects.filter(edition=edition)
    assert {record.language for record in records} == {"en", "ar"}
    for record in records:
        assert record.status == EditionPDF.Status.FAILED
        assert "the layout of the Arabic cover did not fit the page" in record.error
        assert record.pages is None
    page = text_of(client.get(edition_url(edition, "compose/")))
    assert "Failed" in page
    assert "RuntimeError: the layout of the Arabic cover did not fit the page" in page
    assert stored_pdfs() == []


def test_visitor_asking_for_a_pdf_that_fails_to_render_gets_the_waiting_page(
    edition: Edition, broken_renderer: Callable[..., Any]
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client_for().get(edition_url(edition, "pdf/"))

    assert response.status_code == 202
    assert EditionPDF.objects.get(edition=edition, language="en").status == EditionPDF.Status.FAILED


def test_with_eager_tasks_the_first_download_is_the_pdf(transactional_db: None, edition: Edition) -> None:
    # Outside a test transaction (as in the embedded default), the queued rendering runs within the request.
    response = client_for().get(edition_url(edition, "pdf/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert TITLE_EN in pdf_text(response.getvalue())
