"""Pages for open letters and joint statements: reading and endorsing them, and keeping them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.models import Organization
from portal import pdf, permissions
from statements import exchange, services
from statements.forms import EndorseForm, OutreachForm, RecordEndorsementForm, StatementForm
from statements.models import Endorsement, Statement
from statements.tasks import render_statement_pdf

PAGE_SIZE = 20


def _statement_for(request: HttpRequest, slug: str, *, manage: bool = False) -> Statement:
    """The statement if the person may know it exists (404 otherwise); with `manage`, if they keep it (403)."""
    statement = get_object_or_404(
        Statement.objects.select_related("owner").with_endorsement_counts().order_by(), slug=slug
    )
    if not permissions.can_view_statement(request.user, statement):
        raise Http404
    if manage and not permissions.can_manage_statement(request.user, statement):
        raise PermissionDenied
    return statement


def _endorsement_for(request: HttpRequest, statement: Statement) -> Endorsement:
    endorsement = get_object_or_404(
        Endorsement.objects.select_related("organization"), statement=statement, pk=request.POST.get("endorsement")
    )
    endorsement.statement = statement
    return endorsement


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def statement_list(request: HttpRequest) -> HttpResponse:
    statements = Statement.objects.visible_to(request.user).select_related("owner").with_endorsement_counts()
    page = Paginator(statements.order_by("-published_on", "-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "can_create": permissions.can_create_statements(request.user)}
    return render(request, "statements/list.html", context)


def statement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    statement = _statement_for(request, slug)
    endorsements = list(statement.endorsements.select_related("organization"))
    shown = [endorsement for endorsement in endorsements if permissions.can_see_endorser(request.user, endorsement)]
    endorsing = permissions.endorsing_organizations(request.user, statement)
    own = [endorsement for endorsement in endorsements if permissions.viewer_of(request.user).has_role(
        endorsement.organization_id, permissions.EDITOR
    )]
    context = {
        "statement": statement,
        "version": statement.version,
        "groups": services.endorsers_by_country(shown),
        "can_manage": permissions.can_manage_statement(request.user, statement),
        "own_endorsements": [
            (endorsement, permissions.can_withdraw_endorsement(request.user, endorsement),
             permissions.can_unname_endorser(request.user, endorsement))
            for endorsement in own
        ],
        "endorse_form": _endorse_form(request, statement, endorsing, own) if endorsing else None,
    }
    return render(request, "statements/detail.html", context)


def _endorse_form(
    request: HttpRequest, statement: Statement, endorsing: list[int], own: list[Endorsement], data: object = None
) -> EndorseForm | None:
    organizations = Organization.objects.filter(pk__in=endorsing)
    done = {endorsement.organization_id for endorsement in own}
    offered = [organization for organization in organizations if organization.pk not in done]
    if data is None and not offered:
        return None
    return EndorseForm(data, organizations=organizations, offered=offered)
