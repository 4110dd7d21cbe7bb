"""Content shown in another language than the page's (modeltranslation's fallback to English) carries its own
lang and dir, so that a screen reader pronounces it in English and it runs left to right on an Arabic page
(portal/templatetags/content_language.py)."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from organizations.models import Organization
from portal.templatetags.content_language import language_of
from tests.factories import EditionFactory, EventFactory, ItemFactory, OrganizationFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization() -> Organization:
    """Named in English and Arabic, described in English only."""
    return OrganizationFactory(
        name_en="Caesar Families Association",
        name_ar="رابطة عائلات قيصر",
        description_en="An association of the families of the victims shown in the Caesar photographs.",
    )


def render(source: str, **context: object) -> str:
    return Template("{% load content_language %}" + source).render(Context(context))


def test_language_of_a_translated_value_is_the_pages(organization: Organization) -> None:
    with translation.override("ar"):
        assert language_of(organization, "name") == "ar"


def test_language_of_a_value_that_falls_back_is_english(organization: Organization) -> None:
    with translation.override("ar"):
        assert language_of(organization, "description") == "en"


def test_language_of_a_field_without_translations_is_the_pages(organization: Organization) -> None:
    with translation.override("fr"):
        assert language_of(organization, "acronym") == "fr"


def test_lang_attrs_mark_only_the_fallback(organization: Organization) -> None:
    source = '<p {% lang_attrs organization "name" %}></p><p {% lang_attrs organization "description" %}></p>'

    with translation.override("ar"):
        html = render(source, organization=organization)

    assert html == '<p ></p><p lang="en" dir="ltr"></p>'


def test_lang_attrs_compare_with_the_surrounding_language(organization: Organization) -> None:
    with translation.override("ar"):
        inside_english = render('{% lang_attrs organization "description" "en" %}', organization=organization)
        inside_english_arabic_name = render('{% lang_attrs organization "name" "en" %}', organization=organization)

    assert inside_english == ""
    assert inside_english_arabic_name == 'lang="ar" dir="rtl"'


def test_arabic_profile_marks_the_english_description(client: Client, organization: Organization) -> None:
    html = client.get(f"/ar/organizations/{organization.slug}/").content.decode()

    assert '<div class="prose" lang="en" dir="ltr"><p>An association of the families' in html
    assert "<h1><span ><bdi>رابطة عائلات قيصر</bdi></span>" in html


def test_english_profile_marks_nothing(client: Client, organization: Organization) -> None:
    html = client.get(f"/en/organizations/{organization.slug}/").content.decode()

    assert '<div class="prose" ><p>An association of the families' in html


def test_arabic_event_page_marks_its_english_title(client: Client) -> None:
    event = EventFactory(title_en="Consultation with the families' associations in Gaziantep")

    html = client.get(f"/ar/events/{event.slug}/").content.decode()

    assert re.search(r'<h1 lang="en" dir="ltr"><bdi>Consultation with the families&#x27; associations', html)


def test_arabic_edition_marks_the_items_not_yet_translated(client: Client) -> None:
    edition = EditionFactory(title_ar="العدد الأول")
    section = SectionFactory(edition=edition, title_en="Advocacy Activities", title_ar="أنشطة المناصرة")
    ItemFactory(section=section, title_en="Discussion session with the families", title_ar="")

    html = client.get(f"/ar/bulletins/{edition.publication.slug}/{edition.number}/").content.decode()

    assert '<html lang="ar" dir="rtl">' in html
    assert "<h2 ><bdi>أنشطة المناصرة</bdi></h2>" in html
    assert '<h3 lang="en" dir="ltr"><bdi>Discussion session with the families</bdi></h3>' in html
    assert '<div class="prose" lang="en" dir="ltr"><p>Synergy Association' in html


def test_untranslated_edition_marks_each_english_text_and_keeps_the_pages_headings(client: Client) -> None:
    edition = EditionFactory()
    ItemFactory(section=SectionFactory(edition=edition), title_en="Discussion session with the families")

    html = client.get(f"/ar/bulletins/{edition.publication.slug}/{edition.number}/").content.decode()

    # The page's own words (the edition's number, "Contents") stay Arabic, right to left; the edition's English.
    assert '<article class="edition">' in html
    assert f"العدد {edition.number}" in html
    assert f'<h1 lang="en" dir="ltr"><bdi>{edition.title_en}</bdi></h1>' in html
    assert '<h3 lang="en" dir="ltr"><bdi>Discussion session with the families</bdi></h3>' in html


def test_contact_details_on_an_arabic_page_run_left_to_right_beside_their_label(client: Client) -> None:
    organization = OrganizationFactory(
        website="https://caesar-families.example.org/",
        email="info@caesar-families.example.org",
        email_visibility="public",
        phone="+963 11 123 4567",
        phone_visibility="public",
    )

    html = client.get(f"/ar/organizations/{organization.slug}/").content.decode()

    # Isolated inline runs, left to right, in a block that keeps the page's alignment (beside the label, not at
    # the far edge).
    assert '<dd><span dir="ltr">+963 11 123 4567</span></dd>' in html
    assert '<a href="mailto:info@caesar-families.example.org" dir="ltr">' in html
    assert '<a href="https://caesar-families.example.org/" rel="noopener noreferrer nofollow" dir="ltr">' in html
