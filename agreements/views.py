"""Pages for agreements: protocols of cooperation and MoUs, their parties and accessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements import services
from agreements.forms import AccessionForm, AgreementForm, PartyForm
from agreements.models import AccessionRequest, Agreement, AgreementParty
from organizations.models import Organization, coordinated_organizations
from portal import audit, pdf, printing
from portal.access import MANAGE, viewer_of
from portal.http import AuthenticatedHttpRequest
from portal.ratelimit import limited
from portal.uploads import MAX_DOCUMENT_BYTES, accepts_upload

PARTY_COUNTS = {
    "originals": Count("parties", filter=Q(parties__joined_by=AgreementParty.JoinedBy.ORIGINAL), distinct=True),
    "accessions": Count("parties", filter=Q(parties__joined_by=AgreementParty.JoinedBy.ACCESSION), distinct=True),
}


def _agreement_for(request: HttpRequest, slug: str, *, manage: bool = False) -> Agreement:
    """The agreement if the person may know it exists (404 otherwise); with `manage`, if they keep it (403)."""
    agreement = get_object_or_404(Agreement.objects.select_related("owner"), slug=slug)
    if not agreement.allows(request.user):
        raise Http404
    if manage and not agreement.allows(request.user, MANAGE):
        raise PermissionDenied
    return agreement


def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = Agreement.objects.visible_to(request.user).select_related("owner").annotate(**PARTY_COUNTS)
    return render(
        request,
        "agreements/list.html",
        {
            "agreements": agreements,
            "can_create": viewer_of(request.user).may_coordinate,
        },
    )


def agreement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement_for(request, slug)
    parties = list(agreement.parties.select_related("organization"))
    # The parties whose owners the person is: they choose whether and how their organisation is named.
    choices = [
        {
            "party": party,
            "can_name": party.allows(request.user, AgreementParty.NAME),
            "can_unname": party.allows(request.user, AgreementParty.UNNAME),
        }
        for party in parties
    ]
    owned = agreement.accession_organizations(request.user)
    applicants = Organization.objects.filter(pk__in=owned).exclude(agreement_parties__agreement=agreement)
    accession_form = AccessionForm(organizations=applicants) if owned and applicants.exists() else None
    named_parties = [party for party in parties if party.allows(request.user)]
    figures = agreement.party_figures()
    return render(
        request,
        "agreements/detail.html",
        {
            "agreement": agreement,
            "named_parties": named_parties,
            "own_parties": [choice for choice in choices if choice["can_name"] or choice["can_unname"]],
            "figures": figures,
            # The summary counts every party; the page says why it names fewer (consent to be named).
            "total_parties": figures["originals"] + figures["accessions"],
            "unnamed_here": figures["originals"] + figures["accessions"] - len(named_parties),
            "can_manage": agreement.allows(request.user, MANAGE),
            "accession_form": accession_form,
        },
    )


def agreement_document(request: HttpRequest, slug: str) -> FileResponse:
    agreement = _agreement_for(request, slug)
    if not agreement.document:
        raise Http404
    audit.record(request, audit.Action.DOCUMENT_DOWNLOADED, target=agreement)
    return FileResponse(
        agreement.document.open("rb"),
        as_attachment=True,
        filename=f"{agreement.slug}.pdf",
        content_type="application/pdf",
    )


def agreement_pdf(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The printable public summary, rendered by a Celery worker and kept under its content hash."""
    agreement = _agreement_for(request, slug)
    language = get_language()
    return printing.serve_or_queue(
        request,
        pdf.Printout("agreement", agreement.pk, language, services.agreement_summary_html(agreement, language)),
        filename=f"{agreement.slug}-{language}.pdf",
        back_url=agreement.get_absolute_url(),
    )


@accepts_upload(MAX_DOCUMENT_BYTES)
@login_required
def agreement_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    if slug is None:
        if not viewer_of(request.user).may_coordinate:
            raise PermissionDenied
        agreement = None
    else:
        agreement = _agreement_for(request, slug, manage=True)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        instance=agreement,
        mechanisms=coordinated_organizations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.save_agreement(request.user, form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The agreement is saved."))
            return redirect(agreement)
    return render(request, "agreements/form.html", {"form": form, "agreement": agreement})


@login_required
def agreement_manage(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The mechanism's coordinators keep the parties and answer accession requests."""
    agreement = _agreement_for(request, slug, manage=True)
    form = PartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_party(
                request.user,
                agreement,
                data["organization"],
                joined_on=data["joined_on"],
                joined_by=data["joined_by"],
                named_publicly=data["named_publicly"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The party was added."))
            return redirect("agreements:manage", slug)
    return render(
        request,
        "agreements/manage.html",
        {
            "agreement": agreement,
            "form": form,
            "parties": agreement.parties.select_related("organization"),
            "requests": agreement.accession_requests.filter(status=AccessionRequest.Status.PENDING).select_related(
                "organization", "requested_by"
            ),
        },
    )


@login_required
@require_POST
def party_remove(request: AuthenticatedHttpRequest, slug: str, party_id: int) -> HttpResponse:
    agreement = _agreement_for(request, slug, manage=True)
    services.remove_party(request.user, get_object_or_404(AgreementParty, pk=party_id, agreement=agreement))
    messages.success(request, _("The party was removed."))
    return redirect("agreements:manage", slug)


@login_required
@require_POST
def party_name(request: HttpRequest, slug: str, party_id: int) -> HttpResponse:
    return _naming_choice(request, slug, party_id, services.name_party, _("Your organisation is named publicly."))


@login_required
@require_POST
def party_unname(request: HttpRequest, slug: str, party_id: int) -> HttpResponse:
    done = _("Your organisation is not named publicly; it is still counted.")
    return _naming_choice(request, slug, party_id, services.unname_party, done)


def _naming_choice(
    request: HttpRequest, slug: str, party_id: int, change: Callable[[Any, AgreementParty], Any], done: str
) -> HttpResponse:
    """A party's owner chooses on the agreement's page whether their organisation is named."""
    agreement = _agreement_for(request, slug)
    party = get_object_or_404(AgreementParty.objects.select_related("organization"), pk=party_id, agreement=agreement)
    try:
        change(request.user, party)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(agreement)


@login_required
@require_POST
@limited("request_accession")
def accession_request(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement_for(request, slug)
    owned = agreement.accession_organizations(request.user)
    form = AccessionForm(request.POST, organizations=Organization.objects.filter(pk__in=owned))
    if not form.is_valid():
        messages.error(request, _("Choose one of your verified organisations."))
        return redirect(agreement)
    try:
        services.request_accession(
            request.user,
            agreement,
            form.cleaned_data["organization"],
            form.cleaned_data["message"],
            named_publicly=form.cleaned_data["named_publicly"],
        )
        messages.success(request, _("Your request was sent to the mechanism."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(agreement)


@login_required
@require_POST
def accession_decide(request: AuthenticatedHttpRequest, slug: str, request_id: int) -> HttpResponse:
    agreement = _agreement_for(request, slug, manage=True)
    accession = get_object_or_404(AccessionRequest, pk=request_id, agreement=agreement)
    try:
        services.decide_accession(request.user, accession, accept=request.POST.get("accept") == "1")
        messages.success(request, _("Your answer was sent."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("agreements:manage", slug)
