from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.models import Event
from newsletters import services
from newsletters.forms import EditionForm, EditionSearchForm, ItemForm, PublicationForm, SectionForm, SubscribeForm
from newsletters.models import Edition, Item, MailingList, Publication, Section
from organizations.models import LISTING_FIELDS, Organization, coordinated_organizations
from portal import printing
from portal.access import ANONYMOUS, MANAGE, VIEW, allowed_ids, shared_as, viewer_of
from portal.http import AuthenticatedHttpRequest
from portal.paging import NarrowPaginator, unbuilt
from portal.publiccache import cached_public, digest
from portal.rows import read_for
from portal.uploads import MAX_IMAGE_BYTES, accepts_upload


def _publication_for(request: HttpRequest, slug: str, *, manage: bool = False) -> Publication:
    publication = read_for(request, Publication, slug=slug)
    if publication is None:
        raise Http404
    if manage and not publication.allows(request.user, MANAGE):
        raise PermissionDenied
    return publication


def _edition_for(request: HttpRequest, slug: str, number: int, *, manage: bool = False) -> Edition:
    """The edition if the person may see it (404 for unpublished ones otherwise); with `manage`, if they
    edit the publication (403)."""
    publication = _publication_for(request, slug)
    edition = read_for(request, Edition, publication=publication.pk, number=number)
    if edition is None:
        raise Http404
    edition.publication = publication
    if not edition.allows(request.user):
        raise Http404
    if manage and not edition.publication.allows(request.user, MANAGE):
        raise PermissionDenied
    return edition


def publication_list(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.select_related("owner").annotate(
        published=Count("editions", filter=Q(editions__status=Edition.Status.PUBLISHED))
    )
    return render(
        request,
        "newsletters/publication_list.html",
        {
            "publications": publications,
            "can_create": viewer_of(request.user).may_coordinate,
        },
    )


EDITIONS_PAGE_SIZE = 20


def publication_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Its publisher is named in the shared head of the page, read only when that is rendered again.
    publication = _publication_for(request, slug)
    search = EditionSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""

    def found() -> QuerySet[Edition]:
        editions = (
            Edition.objects.visible_to(request.user)
            .filter(publication=publication)
            .select_related("publication")  # each edition's address names its publication
            .order_by("-number")
        )
        return editions.search(query) if query else editions

    # Counted and sorted once for every reader the rule treats alike who searches the same, and the query built
    # only when a page must be read again.
    editions = unbuilt(Edition, found)
    shared = shared_as(f"editions:{publication.pk}:{digest(query)}", editions, request.user)
    page = NarrowPaginator(editions, EDITIONS_PAGE_SIZE, shared_as=shared).get_page(request.GET.get("page"))
    return render(
        request,
        "newsletters/publication_detail.html",
        {
            "publication": publication,
            "page": page,
            "search": search,
            "query": f"q={query}" if query else "",
            "can_manage": publication.allows(request.user, MANAGE),
            # The same for every reader (no CSRF token): read only when the shared part of the page is rendered again.
            "subscriptions": SimpleLazyObject(lambda: _subscription_forms(publication)),
        },
    )


def _subscription_forms(publication: Publication) -> list[tuple[MailingList, SubscribeForm]]:
    """One form per public list, each with its own field ids, so that every label names its own field."""
    return [
        (mailing_list, SubscribeForm(auto_id=f"list{mailing_list.pk}-%s", initial={"language": get_language()}))
        for mailing_list in publication.mailing_lists.filter(is_public=True)
    ]


def edition_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    edition = _edition_for(request, slug, number)
    # The organisations the edition mentions, with the fields the rule on seeing a profile reads, are the same for
    # every reader (shared); which of them this reader may open is the rule's, asked of those fields.
    mentioned = cached_public(
        f"edition-mentioned:{edition.pk}",
        lambda: {
            row.pop("pk"): row
            for row in Organization.objects.filter(bulletin_items__section__edition=edition)
            .distinct()
            .values("pk", *LISTING_FIELDS)
        },
    )
    visible = allowed_ids(Organization, list(mentioned), request.user, VIEW, known=mentioned)[VIEW]
    language = get_language()
    return render(
        request,
        "newsletters/edition_detail.html",
        {
            "edition": edition,
            "publication": edition.publication,
            # Read only when the shared body is rendered again.
            "sections": SimpleLazyObject(
                lambda: list(edition.sections.prefetch_related("items__organizations", "items__events"))
            ),
            "translated": edition.has_translation(language),
            "content_language": services.content_language(edition, language),
            "can_manage": edition.publication.allows(request.user, MANAGE),
            "pdf_links": SimpleLazyObject(lambda: _pdf_links(edition)),
            # Mentions name and link only what the reader may open: an unlisted organisation or a closed event
            # is not even named. Sorted: the edition's body is shared by the readers of the same list.
            "visible_organizations": sorted(visible),
            # Read only when the shared body is rendered again.
            "public_events": SimpleLazyObject(
                lambda: set(
                    Event.objects.visible_to(ANONYMOUS)
                    .filter(bulletin_items__section__edition=edition)
                    .values_list("pk", flat=True)
                )
            ),
        },
    )


def _pdf_links(edition: Edition) -> list[dict[str, str]]:
    """The edition's PDF in each language it was written in, each named in its own language."""
    links = []
    for code in services.pdf_languages(edition):
        with translation.override(code):
            url = reverse("newsletters:edition_pdf", args=[edition.publication.slug, edition.number])
        info = get_language_info(code)
        links.append({"code": code, "name": info["name_local"], "dir": "rtl" if info["bidi"] else "ltr", "url": url})
    return links


def edition_pdf(request: HttpRequest, slug: str, number: int) -> HttpResponseBase:
    """Serve the current PDF; if this content version has not been rendered yet, queue it and wait. There is
    none in a language the edition was not written in: the English one is at its own address."""
    edition = _edition_for(request, slug, number)
    language = get_language()
    if not edition.has_translation(language):
        with translation.override(settings.LANGUAGE_CODE):
            return redirect("newsletters:edition_pdf", slug, number)
    return printing.serve_or_queue(
        request,
        services.edition_printout(edition, language),
        filename=f"{edition.publication.slug}-{edition.number}-{language}.pdf",
        back_url=edition.get_absolute_url(),
    )


class PublicationFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Publication:
        return get_object_or_404(Publication.objects.visible_to(ANONYMOUS), slug=slug)

    def title(self, publication: Publication) -> str:
        return publication.title

    def link(self, publication: Publication) -> str:
        return publication.get_absolute_url()

    def subtitle(self, publication: Publication) -> str:
        return publication.description

    def items(self, publication: Publication) -> list[Edition]:
        # A feed is public: what anyone may see, whoever asks.
        # django-stubs' plugin gives this related manager no EditionQuerySet methods: it does not come back to a
        # relation whose model declares its manager further down the module.
        editions = publication.editions.visible_to(ANONYMOUS).select_related("publication__owner")  # type: ignore[attr-defined]
        return list(editions.order_by("-number")[:50])

    def item_title(self, edition: Edition) -> str:
        return edition.title

    def item_description(self, edition: Edition) -> str:
        return edition.introduction

    def author_name(self, publication: Publication) -> str:
        return str(publication.owner.name)

    def item_author_name(self, edition: Edition) -> str:
        # Atom wants an author on every entry (or the feed): the publisher, as the edition's cover names it.
        return str(edition.publication.owner.name)

    def item_pubdate(self, edition: Edition) -> datetime.datetime:
        """The day the edition was published, not when its row was last written (a late import, a correction)."""
        if edition.published_on is None:
            return edition.updated_at
        return datetime.datetime.combine(edition.published_on, datetime.time.min, tzinfo=datetime.UTC)

    def item_updateddate(self, edition: Edition) -> datetime.datetime:
        return max(edition.updated_at, self.item_pubdate(edition))


@login_required
def publication_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    publication = _publication_for(request, slug, manage=True) if slug else None
    if publication is None and not viewer_of(request.user).may_coordinate:
        raise PermissionDenied
    form = PublicationForm(
        request.POST or None, instance=publication, publishers=coordinated_organizations(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.save_publication(request.user, form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The publication is saved."))
            return redirect(publication)
    return render(
        request, "newsletters/form.html", {"form": form, "publication": publication, "heading": _("Publication")}
    )


@accepts_upload(MAX_IMAGE_BYTES)
@login_required
def edition_edit(request: AuthenticatedHttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    publication = _publication_for(request, slug, manage=True)
    edition = _edition_for(request, slug, number, manage=True) if number else Edition(publication=publication)
    form = EditionForm(
        request.POST or None,
        request.FILES or None,
        instance=edition,
        initial=None if number else {"number": services.next_number(publication)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            edition = services.save_edition(request.user, form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The edition is saved."))
            return redirect("newsletters:compose", slug, edition.number)
    return render(
        request,
        "newsletters/form.html",
        {
            "form": form,
            "publication": publication,
            "edition": edition if number else None,
            "heading": _("Edition"),
            "multipart": True,
        },
    )


@login_required
def compose(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    """The editor: sections and items in order, with forms to add, edit, reorder and remove them."""
    edition = _edition_for(request, slug, number, manage=True)
    return render(
        request,
        "newsletters/compose.html",
        {
            "edition": edition,
            "publication": edition.publication,
            "sections": edition.sections.prefetch_related("items"),
            "section_form": SectionForm(),
            "pdfs": edition.pdfs.order_by("language"),
        },
    )


@login_required
def section_edit(
    request: AuthenticatedHttpRequest, slug: str, number: int, section_id: int | None = None
) -> HttpResponse:
    edition = _edition_for(request, slug, number, manage=True)
    section = get_object_or_404(Section, pk=section_id, edition=edition) if section_id else None
    form = SectionForm(request.POST or None, instance=section)
    if request.method == "POST" and form.is_valid():
        if section is None:
            services.add_section(request.user, edition, form.save(commit=False))
        else:
            form.save()
        return redirect("newsletters:compose", slug, number)
    return render(
        request,
        "newsletters/form.html",
        {"form": form, "publication": edition.publication, "edition": edition, "heading": _("Section")},
    )


@accepts_upload(MAX_IMAGE_BYTES)
@login_required
def item_edit(
    request: AuthenticatedHttpRequest, slug: str, number: int, section_id: int, item_id: int | None = None
) -> HttpResponse:
    edition = _edition_for(request, slug, number, manage=True)
    section = get_object_or_404(Section, pk=section_id, edition=edition)
    item = get_object_or_404(Item, pk=item_id, section=section) if item_id else None
    form = ItemForm(request.POST or None, request.FILES or None, instance=item)
    if request.method == "POST" and form.is_valid():
        if item is None:
            services.add_item(request.user, section, form.save(commit=False))
            form.save_m2m()
        else:
            form.save()
        messages.success(request, _("The item is saved."))
        return redirect("newsletters:compose", slug, number)
    return render(
        request,
        "newsletters/form.html",
        {"form": form, "publication": edition.publication, "edition": edition, "heading": _("Item"), "multipart": True},
    )


@login_required
@require_POST
def reorder(request: AuthenticatedHttpRequest, slug: str, number: int, kind: str, object_id: int) -> HttpResponse:
    edition = _edition_for(request, slug, number, manage=True)
    target: Section | Item
    if kind == "section":
        target = get_object_or_404(Section, pk=object_id, edition=edition)
    elif kind == "item":
        target = get_object_or_404(Item, pk=object_id, section__edition=edition)
    else:
        raise Http404
    if request.POST.get("action") == "delete":
        target.delete()
    else:
        services.move(request.user, target, up=request.POST.get("action") == "up")
    return redirect("newsletters:compose", slug, number)


@login_required
@require_POST
def publish(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    edition = _edition_for(request, slug, number, manage=True)
    services.publish_edition(request.user, edition)
    messages.success(request, _("The edition is published. Its PDFs are being rendered."))
    return redirect("newsletters:compose", slug, number)


@login_required
@require_POST
def render_pdfs(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    edition = _edition_for(request, slug, number, manage=True)
    services.request_pdfs(edition)
    messages.success(request, _("The PDFs are being rendered."))
    return redirect("newsletters:compose", slug, number)
