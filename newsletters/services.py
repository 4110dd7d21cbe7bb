"""Composing, publishing and rendering editions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from newsletters.models import Edition, EditionPDF, Item, Publication, Section
from portal import pdf
from portal.models import User

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def save_publication(actor: User, publication: Publication) -> Publication:
    if not (publication.owner.is_verified and publication.owner.is_host):
        raise ValidationError(_("Publications belong to a verified host organisation."), code="owner")
    if not publication.slug:
        base = slugify(publication.title_en or publication.title)[:70] or "publication"
        slug, counter = base, 2
        while slug in {"new", "search"} or Publication.objects.filter(slug=slug).exists():
            slug, counter = f"{base}-{counter}", counter + 1
        publication.slug = slug
    publication.save()
    return publication


def next_number(publication: Publication) -> int:
    return (publication.editions.aggregate(last=Max("number"))["last"] or 0) + 1


@transaction.atomic
def save_edition(actor: User, edition: Edition) -> Edition:
    if edition.number is None:
        edition.number = next_number(edition.publication)
    if edition.publication.editions.filter(number=edition.number).exclude(pk=edition.pk).exists():
        raise ValidationError(
            _("Edition number %(number)s already exists."), params={"number": edition.number}, code="duplicate"
        )
    if edition.status == Edition.Status.SCHEDULED and not edition.publish_at:
        raise ValidationError(_("A scheduled edition needs the date and time it goes public."), code="publish_at")
    if edition.status == Edition.Status.PUBLISHED and not edition.published_on:
        edition.published_on = timezone.localdate()
    edition.save()
    if edition.status == Edition.Status.PUBLISHED:
        transaction.on_commit(lambda: request_pdfs(edition))
    return edition


@transaction.atomic
def publish_edition(actor: User | None, edition: Edition) -> Edition:
    edition.status = Edition.Status.PUBLISHED
    edition.published_on = edition.published_on or timezone.localdate()
    edition.publish_at = None
    edition.save(update_fields=["status", "published_on", "publish_at", "updated_at"])
    transaction.on_commit(lambda: request_pdfs(edition))
    return edition


def publish_due_editions(now: object = None) -> int:
    """Publish the scheduled editions whose time has come (celery beat)."""
    due = Edition.objects.filter(status=Edition.Status.SCHEDULED, publish_at__lte=now or timezone.now())
    count = 0
    for edition in due:
        publish_edition(None, edition)
        count += 1
    return count


# Sections and items ------------------------------------------------------------------------------------


def _append_position(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def add_section(actor: User, edition: Edition, section: Section) -> Section:
    section.edition = edition
    section.position = _append_position(edition.sections.all())
    section.save()
    return section


@transaction.atomic
def add_item(actor: User, section: Section, item: Item) -> Item:
    item.section = section
    item.position = _append_position(section.items.all())
    item.save()
    return item


@transaction.atomic
def move(actor: User, obj: Section | Item, *, up: bool) -> None:
    """Swap `obj` with its neighbour above or below; positions are renumbered so that they stay distinct."""
    siblings = list(
        (obj.edition.sections if isinstance(obj, Section) else obj.section.items)
        .select_for_update()
        .order_by("position", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == obj.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])


# PDF ---------------------------------------------------------------------------------------------------


def content_language(edition: Edition, language: str) -> str:
    return language if edition.has_translation(language) else settings.LANGUAGE_CODE


def edition_html(edition: Edition, language: str) -> str:
    """The print version of an edition in `language` (English where it has no translation)."""
    shown = content_language(edition, language)
    sections = edition.sections.prefetch_related("items__organizations")
    with translation.override(shown):
        return render_to_string(
            "newsletters/edition_pdf.html",
            {
                "edition": edition,
                "publication": edition.publication,
                "sections": sections,
                "language": shown,
                "bidi": translation.get_language_bidi(),
                "site_url": settings.SITE_URL,
            },
        )


def request_pdf(edition: Edition, language: str) -> EditionPDF:
    """Note the current content version of a PDF and queue its rendering unless it is already stored."""
    from newsletters.tasks import render_edition_pdf

    key = pdf.content_key(edition_html(edition, language))
    ready = pdf.stored_pdf(key).exists()
    record, _created = EditionPDF.objects.update_or_create(
        edition=edition,
        language=language,
        defaults={
            "content_key": key,
            "status": EditionPDF.Status.READY if ready else EditionPDF.Status.QUEUED,
            "error": "",
        },
    )
    if not ready:
        transaction.on_commit(lambda: render_edition_pdf.delay(edition.pk, language))
    return record


def request_pdfs(edition: Edition) -> list[EditionPDF]:
    languages = [code for code in LANGUAGE_CODES if edition.has_translation(code)]
    return [request_pdf(edition, language) for language in languages]


def render_pdf_now(edition_id: int, language: str) -> EditionPDF | None:
    """Render the current version (the worker's side). Running it twice writes one file."""
    edition = Edition.objects.select_related("publication").filter(pk=edition_id).first()
    if edition is None:
        return None
    html = edition_html(edition, language)
    key = pdf.content_key(html)
    record, _created = EditionPDF.objects.get_or_create(
        edition=edition, language=language, defaults={"content_key": key}
    )
    if record.content_key != key:
        # The edition changed since this task was queued: render what it says now.
        record.content_key = key
    record.status, record.error = EditionPDF.Status.RENDERING, ""
    record.save(update_fields=["content_key", "status", "error", "updated_at"])
    try:
        path = pdf.ensure_pdf(html)
    except Exception as exc:
        record.status, record.error = EditionPDF.Status.FAILED, f"{exc.__class__.__name__}: {exc}"[:2000]
        record.save(update_fields=["status", "error", "updated_at"])
        raise
    from pypdf import PdfReader

    record.status, record.pages = EditionPDF.Status.READY, len(PdfReader(path).pages)
    record.save(update_fields=["status", "pages", "updated_at"])
    return record
