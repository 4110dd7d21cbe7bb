"""Pages for open letters and joint statements: reading and endorsing them (public), and keeping them (the
owner organisation's coordinators)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.models import Organization
from portal import audit, pdf, printing
from portal.access import ANONYMOUS, MANAGE, VIEW, prefetch_access, shared_as, viewer_of
from portal.http import AuthenticatedHttpRequest
from portal.models import User
from portal.paging import NarrowPaginator, unbuilt
from portal.publiccache import cached_public, digest
from portal.rows import read_for
from portal.spreadsheets import csv_response
from portal.uploads import accepts_upload
from statements import exchange, services
from statements.forms import EndorseForm, RecordEndorsementForm, StatementForm
from statements.models import Endorsement, Statement, may_create_statements, statement_owners

PAGE_SIZE = 20
# Named endorsers per page of a statement: a long letter's page stays light on a slow connection.
ENDORSERS_PAGE_SIZE = 200
TRANSITIONS = {
    "open": (services.open_statement, gettext_lazy("The statement is open for endorsement.")),
    "publish": (services.publish_statement, gettext_lazy("The statement is published.")),
    "close": (services.close_statement, gettext_lazy("The statement is closed to new endorsements.")),
}


def statement_for(request: HttpRequest, slug: str, *, manage: bool = False) -> Statement:
    """The statement if the person may know it exists (404 otherwise); with `manage`, if they keep it (403)."""
    statement = read_for(request, Statement, slug=slug)
    if statement is None or not statement.allows(request.user):
        raise Http404
    if manage and not statement.allows(request.user, MANAGE):
        raise PermissionDenied
    return statement


def _endorsements(statement: Statement) -> list[Endorsement]:
    return list(statement.endorsements.select_related("organization"))


def _posted_endorsement(request: HttpRequest, statement: Statement) -> Endorsement:
    queryset = Endorsement.objects.select_related("organization").filter(statement=statement)
    endorsement = get_object_or_404(queryset, pk=request.POST.get("endorsement") or 0)
    endorsement.statement = statement
    return endorsement


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _back(statement: Statement) -> HttpResponse:
    return redirect(f"{statement.get_absolute_url()}#endorsements")


# Reading and endorsing --------------------------------------------------------------------------------


def statement_list(request: HttpRequest) -> HttpResponse:
    # Counted and sorted once for every reader the rule treats alike, and the query built only when a page must be
    # read again.
    statements = unbuilt(Statement, lambda: Statement.objects.visible_to(request.user).select_related("owner"))
    shared = shared_as("statements", statements, request.user)
    page = NarrowPaginator(statements, PAGE_SIZE, shared_as=shared).get_page(request.GET.get("page"))
    context = {"page": page, "can_create": may_create_statements(request.user)}
    return render(request, "statements/list.html", context)


def statement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    statement = statement_for(request, slug)
    # The endorsements of the person's own organisations, named or not, above the public list (their members see
    # them; their editors and owners act on them).
    mine = viewer_of(request.user).organizations()
    # The same for every member of the same organisations: shared until the data changes.
    own = (
        cached_public(
            f"own-endorsements:{statement.pk}:{digest(mine)}",
            lambda: list(statement.endorsements.filter(organization__in=mine).select_related("organization")),
        )
        if mine
        else []
    )
    for item in own:
        item.statement = statement  # the rule reads the statement's owner
    # Each rule compiled once for them all (a person of several organisations has several).
    prefetch_access(own, request.user, VIEW, MANAGE, Endorsement.UNNAME, Endorsement.NAME)
    own = [item for item in own if item.allows(request.user)]
    context = {
        "statement": statement,
        "version": statement.version,
        **_endorsers(request, statement),
        "own": [
            {
                "endorsement": item,
                "named": item.is_named_publicly,
                "manages": item.allows(request.user, MANAGE),
                "can_withdraw": item.may_withdraw(request.user),
                "can_unname": item.allows(request.user, Endorsement.UNNAME),
                "can_name": item.allows(request.user, Endorsement.NAME),
            }
            for item in own
        ],
        "endorse_form": _endorse_form(request, statement, own),
        "can_manage": statement.allows(request.user, MANAGE),
    }
    return render(request, "statements/detail.html", context)


def _endorsers(request: HttpRequest, statement: Statement) -> dict[str, Any]:
    """The endorsers named to the public, by country: an index of the countries with their counts, and one page
    of names (a letter can gather thousands), optionally of one country. The same for every reader, and so is
    their rendering (the template shares it): names link to the profiles the public may open."""
    index = services.endorser_index(statement, request.GET.get("country"), request.GET.get("page"), ENDORSERS_PAGE_SIZE)
    page = Paginator(range(index.total), ENDORSERS_PAGE_SIZE).page(index.page_number)

    def groups() -> list[tuple[services.EndorserCountry, list[Endorsement]]]:
        # Read only if the page renders them, which a shared rendering spares.
        visible = Organization.objects.visible_to(ANONYMOUS).filter(pk=OuterRef("organization_id"))
        rows = Endorsement.objects.filter(pk__in=index.page_ids).select_related("organization")
        by_pk = {row.pk: row for row in rows.annotate(profile_visible=Exists(visible))}
        return services.group_by_country([by_pk[pk] for pk in index.page_ids], index.countries)

    chosen = index.chosen
    return {
        "countries": index.countries,
        "chosen_country": chosen,
        "endorsers_page": page,
        "groups": groups,
        "endorsers_query": f"country={chosen.code or '-'}" if chosen else "",
    }


def _endorse_form(request: HttpRequest, statement: Statement, own: list[Endorsement]) -> EndorseForm | None:
    """The form for the person's organisations that may endorse and have not yet, if any."""
    endorsing = statement.endorsing_organizations(request.user)
    done = {item.organization_id for item in own}
    # Mostly none: they have endorsed already, or may not (a query not even built for nothing).
    waiting = [pk for pk in endorsing if pk not in done]
    offered = list(Organization.objects.filter(pk__in=waiting)) if waiting else []
    if not offered:
        return None
    return EndorseForm(organizations=Organization.objects.filter(pk__in=endorsing), offered=offered)


@login_required
@require_POST
def endorse(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    statement = statement_for(request, slug)
    # Any of the person's organisations is accepted here; the service says why one may not endorse.
    mine = Organization.objects.filter(pk__in=viewer_of(request.user).organizations())
    form = EndorseForm(request.POST, organizations=mine, offered=[])
    if not form.is_valid():
        messages.error(request, _("Choose one of your organisations."))
        return _back(statement)
    try:
        services.endorse(
            request.user,
            statement,
            form.cleaned_data["organization"],
            named_publicly=form.cleaned_data["named_publicly"],
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Thank you: your organisation's endorsement is recorded."))
    return _back(statement)


@login_required
@require_POST
def withdraw(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _on_own_endorsement(request, slug, services.withdraw, _("The endorsement was withdrawn."))


@login_required
@require_POST
def stop_naming(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    done = _("The organisation is no longer named publicly; it is still counted.")
    return _on_own_endorsement(request, slug, services.stop_naming, done)


@login_required
@require_POST
def name_publicly(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    done = _("The organisation is named publicly among the endorsers.")
    return _on_own_endorsement(request, slug, services.name_publicly, done)


def _on_own_endorsement(
    request: AuthenticatedHttpRequest, slug: str, act: Callable[[User, Endorsement], object], done: str
) -> HttpResponse:
    """Withdraw, stop naming or name the endorsement posted: the service decides who may, the page reports."""
    statement = statement_for(request, slug)
    try:
        act(request.user, _posted_endorsement(request, statement))
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, done)
    return _back(statement)


def endorsers_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The endorsers the person may see named, as a spreadsheet."""
    statement = statement_for(request, slug)
    rows = exchange.endorser_rows(request.user, _endorsements(statement))
    response = csv_response(f"{statement.slug}-endorsers.csv", rows)
    audit.record(request, audit.Action.EXPORT, target=statement, kind="endorsements")
    shown = statement.endorsements.visible_to(request.user)
    services.record_unnamed_endorsers_seen(request.user, statement, shown, where="export")
    return response


def statement_pdf(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The printable statement in the page's language, rendered by a Celery worker and kept under its
    content hash; it names only the endorsers named to the public."""
    statement = statement_for(request, slug)
    language = get_language()
    return printing.serve_or_queue(
        request,
        pdf.Printout("statement", statement.pk, language, services.statement_pdf_html(statement, language)),
        filename=f"{statement.slug}-{language}.pdf",
        back_url=statement.get_absolute_url(),
    )


# Keeping a statement ----------------------------------------------------------------------------------


@login_required
def statement_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    if slug is None:
        if not may_create_statements(request.user):
            raise PermissionDenied
        statement = None
    else:
        statement = statement_for(request, slug, manage=True)
    owners = statement_owners(request.user)
    if statement is not None:
        owners = owners | Organization.objects.filter(pk=statement.owner_id)  # keep the current owner
    form = StatementForm(request.POST or None, instance=statement, owners=owners.distinct())
    if request.method == "POST" and form.is_valid():
        try:
            statement = services.save_statement(request.user, form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The statement is saved."))
            return redirect("statements:manage", statement.slug)
    return render(request, "statements/form.html", {"form": form, "statement": statement})


@login_required
def statement_manage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Every endorsement, named or not; transitions; recording an endorsement received by email."""
    statement = statement_for(request, slug, manage=True)
    candidates = Organization.objects.visible_to(request.user).verified().exclude(endorsements__statement=statement)
    form = RecordEndorsementForm(request.POST or None, organizations=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_endorsement(
                request.user,
                statement,
                form.cleaned_data["organization"],
                named_publicly=form.cleaned_data["named_publicly"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The endorsement was recorded and the organisation's owners were told."))
            return redirect("statements:manage", slug)
    services.record_unnamed_endorsers_seen(request.user, statement, statement.endorsements.all(), where="manage")
    context = {
        "statement": statement,
        "form": form,
        "endorsements": _endorsements(statement),
        "history": statement.history.select_related("actor")[:50],
    }
    return render(request, "statements/manage.html", context)


@login_required
@require_POST
def statement_transition(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    statement = statement_for(request, slug, manage=True)
    if request.POST.get("action") not in TRANSITIONS:
        raise Http404
    change, done = TRANSITIONS[request.POST["action"]]
    try:
        change(request.user, statement)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, done)
    return redirect("statements:manage", slug)


@login_required
@require_POST
def endorsement_remove(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    statement = statement_for(request, slug, manage=True)
    services.remove_endorsement(request.user, _posted_endorsement(request, statement))
    messages.success(request, _("The endorsement was removed."))
    return redirect("statements:manage", slug)


@accepts_upload(exchange.MAX_IMPORT_BYTES)
@login_required
def endorsement_import(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    statement = statement_for(request, slug, manage=True)
    form = exchange.ImportUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.import_endorsements_csv(request.user, statement, form.cleaned_data["file"])
        if not report.ok:
            messages.error(request, _("Nothing was imported. Correct the file and upload it again."))
    return render(request, "statements/import.html", {"statement": statement, "form": form, "report": report})
