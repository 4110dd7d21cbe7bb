from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from organizations import exchange, services, signals
from organizations.filters import OrganizationFilter
from organizations.forms import (
    DuplicateConfirmationForm,
    HideForm,
    InvitationForm,
    JoinRequestForm,
    NetworkMemberForm,
    OrganizationForm,
    ReviewForm,
    RoleForm,
)
from organizations.models import JoinRequest, Membership, NetworkMembership, Organization
from portal import audit
from portal.access import MANAGE, VIEW, Action, viewer_of
from portal.http import AuthenticatedHttpRequest
from portal.publiccache import cached_public
from portal.ratelimit import limited
from portal.rows import read_for
from portal.spreadsheets import csv_response
from portal.uploads import MAX_IMAGE_BYTES, accepts_upload

DIRECTORY_PAGE_SIZE = 24


def _organization_for(request: HttpRequest, slug: str, action: Action = VIEW) -> Organization:
    """The organisation at `slug` if the person may see it (404 otherwise, so existence is not confirmed) and
    may do `action` to it, one of Organization.ACTIONS (403)."""
    organization = read_for(request, Organization, slug=slug)
    if organization is None or not organization.allows(request.user):
        raise Http404
    if action != VIEW and not organization.allows(request.user, action):
        raise PermissionDenied
    return organization


def _report(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def directory(request: HttpRequest) -> HttpResponse:
    # The page is the same for every reader and shared (organizations/directory.html): worked out only when it is
    # rendered again.
    return render(
        request, "organizations/directory.html", {"directory": SimpleLazyObject(lambda: _directory_page(request))}
    )


def _directory_page(request: HttpRequest) -> dict[str, Any]:
    visible = Organization.objects.listed()
    search = OrganizationFilter(request.GET, queryset=visible)
    found = search.qs if search.is_valid() else visible.none()
    figures = OrganizationFilter.public_figures(request.GET)
    paginator = Paginator(found.with_directory_data().order_by("name"), DIRECTORY_PAGE_SIZE)
    paginator.count = figures["organizations"]  # counted just above: no second COUNT over the directory
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"filter": search, "page": page, "figures": figures, "query": query.urlencode()}


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug)
    user = request.user
    context = {
        "organization": organization,
        "contacts": organization.visible_contacts(user),
        "can_edit": organization.allows(user, MANAGE),
        "can_view_members": organization.allows(user, Organization.VIEW_MEMBERS),
        "can_view_history": organization.allows(user, Organization.VIEW_HISTORY),
        "can_review": organization.allows(user, Organization.REVIEW),
        "can_hide": organization.allows(user, Organization.MANAGE_MEMBERS),
        "can_join": organization.allows(user, Organization.REQUEST_TO_JOIN),
        **_network_links(organization, user),
        "sections": _sections(request, organization),
        "join_form": JoinRequestForm(),
        "review_form": ReviewForm(),
    }
    return render(request, "organizations/detail.html", context)


def _network_links(organization: Organization, user: Any) -> dict[str, list[NetworkMembership]]:
    """The networks the organisation belongs to and its member organisations (confirmed links), those `user` may
    see. The links are read for every reader alike and shared (most organisations have none); the rule is asked of
    each organisation at the other end, for this reader."""
    links = cached_public(
        f"organization-links:{organization.pk}",
        lambda: list(
            NetworkMembership.objects.filter(
                Q(network=organization) | Q(member=organization), confirmed=True
            ).select_related("network", "member")
        ),
    )
    return {
        "networks": [link for link in links if link.member_id == organization.pk and link.network.allows(user)],
        "members": [link for link in links if link.network_id == organization.pk and link.member.allows(user)],
    }


def _sections(request: HttpRequest, organization: Organization) -> list[str]:
    """The parts the apps built on organisations add to the profile (see organizations.signals)."""
    responses = signals.profile_sections.send(Organization, request=request, organization=organization)
    return [html for _receiver, html in responses if html]


@accepts_upload(MAX_IMAGE_BYTES)
@login_required
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, request.FILES or None)
    confirm = DuplicateConfirmationForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid() and confirm.is_valid():
        duplicates = list(
            services.likely_duplicates(
                form.cleaned_data["name_en"],
                form.cleaned_data["website"],
                among=Organization.objects.visible_to(request.user),
            )
        )
        if not duplicates or confirm.cleaned_data["confirm_not_duplicate"]:
            organization = services.register_organization(
                request.user,
                form.save(commit=False),
                topics=form.cleaned_data["topics"],
                governorates=form.cleaned_data["governorates"],
            )
            messages.success(
                request, _("Your organisation is saved as a draft. Submit it for verification when it is ready.")
            )
            return redirect(organization)
    return render(
        request,
        "organizations/form.html",
        {"form": form, "confirm": confirm, "duplicates": duplicates, "registering": True},
    )


@accepts_upload(MAX_IMAGE_BYTES)
@login_required
def edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, MANAGE)
    before = services.snapshot(organization)
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        services.save_profile(
            request.user,
            form.save(commit=False),
            before,
            topics=form.cleaned_data["topics"],
            governorates=form.cleaned_data["governorates"],
        )
        messages.success(request, _("The profile is saved."))
        return redirect(organization)
    return render(request, "organizations/form.html", {"form": form, "organization": organization})


@login_required
@require_POST
def submit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, MANAGE)
    try:
        services.submit_for_verification(request.user, organization)
        messages.success(request, _("Submitted. A coordinator will review your organisation."))
    except ValidationError as error:
        _report(request, error)
    return redirect(organization)


@login_required
@require_POST
@limited("request_to_join")
def join(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.REQUEST_TO_JOIN)
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_to_join(request.user, organization, form.cleaned_data["message"])
            messages.success(request, _("Your request was sent to the owners."))
        except ValidationError as error:
            _report(request, error)
    else:
        messages.error(request, _("Your message is too long."))
    return redirect(organization)


@login_required
def hide(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Hide everything now: one confirmation, then the organisation is out of public view."""
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    form = HideForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        services.hide_organization(request.user, organization, sign_out_members=form.cleaned_data["sign_out_members"])
        if form.cleaned_data["sign_out_members"]:
            return redirect("account_login")  # the person who hid it is signed out too
        messages.success(request, _("The organisation is hidden. Nobody outside it can see or find it now."))
        return redirect(organization)
    return render(request, "organizations/hide.html", {"organization": organization, "form": form})


@login_required
@require_POST
def reveal(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    services.reveal_organization(request.user, organization)
    messages.success(request, _("The organisation is visible again, as it was before it was hidden."))
    return redirect(organization)


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related("organization")
    pending = JoinRequest.objects.filter(user=request.user, status=JoinRequest.Status.PENDING)
    return render(
        request,
        "organizations/mine.html",
        {"memberships": memberships, "pending": pending.select_related("organization")},
    )


@login_required
def history(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.VIEW_HISTORY)
    entries = Paginator(organization.history.select_related("actor"), 50).get_page(request.GET.get("page"))
    for entry in entries:
        entry.hidden_fields = organization.hidden_history_fields(request.user, entry)
    # Who made each change is who works where: named only to those who may also see the member list.
    show_actors = organization.allows(request.user, Organization.VIEW_HISTORY_ACTORS)
    context = {"organization": organization, "page": entries, "show_actors": show_actors}
    return render(request, "organizations/history.html", context)


@login_required
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not viewer_of(request.user).may_coordinate:
        raise PermissionDenied
    waiting = Organization.objects.awaiting_review_by(request.user).order_by("updated_at")
    items = [(organization, ReviewForm(auto_id=f"review-{organization.pk}-%s")) for organization in waiting]
    return render(request, "organizations/review_queue.html", {"items": items})


@login_required
@require_POST
def review(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.REVIEW)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("organizations:review_queue")
    decision, message = form.cleaned_data["decision"], form.cleaned_data["message"]
    try:
        if decision == "verify":
            services.verify_organization(request.user, organization)
        elif decision == "request_changes":
            services.request_changes(request.user, organization, message)
        else:
            services.suspend_organization(request.user, organization, message)
        messages.success(request, _("Your decision is recorded and the owners have been emailed."))
    except ValidationError as error:
        _report(request, error)
    return redirect("organizations:review_queue")


def _memberships(organization: Organization, *, with_access: bool) -> QuerySet[Membership]:
    """The members, and for those who manage them, each one's sessions and API key (one query)."""
    memberships = organization.memberships.select_related("user").order_by("user__email")
    if with_access:
        memberships = memberships.select_related("user__auth_token", "user__token_use").annotate(
            session_count=Count("user__signed_in_sessions")
        )
    return memberships


@login_required
def members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.VIEW_MEMBERS)
    can_manage = organization.allows(request.user, Organization.MANAGE_MEMBERS)
    context = {
        "organization": organization,
        "memberships": _memberships(organization, with_access=can_manage),
        "can_manage": can_manage,
        "role_choices": Membership.Role.choices,
        "invitation_form": InvitationForm(),
        "own_membership": organization.memberships.filter(user=request.user).first(),
        "can_export": organization.allows(request.user, Organization.MANAGE_MEMBERS),
    }
    if can_manage:
        context |= {
            "invitations": organization.invitations.filter(accepted_at__isnull=True),
            "join_requests": organization.join_requests.filter(status=JoinRequest.Status.PENDING).select_related(
                "user"
            ),
            "proposed_networks": organization.networks_joined.filter(confirmed=False).select_related("network"),
            "network_links": organization.network_memberships.select_related("member"),
            "network_form": NetworkMemberForm(user=request.user)
            if organization.kind == Organization.Kind.NETWORK
            else None,
        }
    return render(request, "organizations/members.html", context)


@login_required
@require_POST
@limited("invite_member")
def invite(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("organizations:members", slug)
    try:
        services.invite_member(request.user, organization, form.cleaned_data["email"], form.cleaned_data["role"])
        messages.success(request, _("The invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    except ValidationError as error:
        _report(request, error)
    return redirect("organizations:members", slug)


@login_required
@require_POST
def change_role(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    membership = get_object_or_404(Membership, pk=membership_id, organization=organization)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_role(request.user, membership, form.cleaned_data["role"])
            messages.success(request, _("The role was changed."))
        except ValidationError as error:
            _report(request, error)
    return redirect("organizations:members", slug)


@login_required
@require_POST
def remove_member(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.VIEW_MEMBERS)
    membership = get_object_or_404(Membership, pk=membership_id, organization=organization)
    leaving = membership.user_id == request.user.pk
    if not leaving and not organization.allows(request.user, Organization.MANAGE_MEMBERS):
        raise PermissionDenied
    try:
        services.remove_member(request.user, membership)
    except ValidationError as error:
        _report(request, error)
        return redirect("organizations:members", slug)
    if leaving:
        messages.success(request, _("You have left %(name)s.") % {"name": organization.name})
        return redirect("organizations:mine")
    messages.success(request, _("The member was removed."))
    return redirect("organizations:members", slug)


@login_required
@require_POST
def end_member_access(request: AuthenticatedHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """An owner signs a member out everywhere, or revokes their API key."""
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=organization
    )
    if request.POST.get("revoke") == "api_key":
        services.revoke_member_api_key(request.user, membership)
        messages.success(request, _("The member's API key was revoked."))
    else:
        services.sign_out_member(request.user, membership)
        messages.success(request, _("The member was signed out everywhere."))
    return redirect("organizations:members", slug)


@login_required
@require_POST
def decide_join(request: AuthenticatedHttpRequest, slug: str, request_id: int) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    join_request = get_object_or_404(JoinRequest, pk=request_id, organization=organization)
    try:
        services.decide_join_request(request.user, join_request, approve=request.POST.get("approve") == "1")
        messages.success(request, _("Your answer was sent."))
    except ValidationError as error:
        _report(request, error)
    return redirect("organizations:members", slug)


@login_required
@require_POST
def revoke_invitation(request: AuthenticatedHttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    organization.invitations.filter(pk=invitation_id, accepted_at__isnull=True).delete()
    messages.success(request, _("The invitation was withdrawn."))
    return redirect("organizations:members", slug)


@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as error:
        return render(request, "organizations/invitation.html", {"error": error.messages[0]}, status=400)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.accept_invitation(request.user, token)
        except ValidationError as error:
            return render(
                request,
                "organizations/invitation.html",
                {"invitation": invitation, "error": error.messages[0]},
                status=400,
            )
        messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.organization.name})
        return redirect(invitation.organization)
    return render(request, "organizations/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def add_network_member(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    network = _organization_for(request, slug, Organization.ADMINISTER_NETWORK)
    form = NetworkMemberForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.propose_network_member(request.user, network, form.cleaned_data["member"])
            messages.success(request, _("The organisation's owners were asked to confirm."))
        except ValidationError as error:
            _report(request, error)
    else:
        messages.error(request, _("Choose a verified organisation."))
    return redirect("organizations:members", slug)


@login_required
@require_POST
def answer_network(request: AuthenticatedHttpRequest, slug: str, link_id: int) -> HttpResponse:
    """The member's owners confirm or decline; either side's owners may end a confirmed link."""
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    link = get_object_or_404(
        NetworkMembership.objects.filter(member=organization) | NetworkMembership.objects.filter(network=organization),
        pk=link_id,
    )
    if request.POST.get("confirm") == "1" and link.member_id == organization.pk:
        services.confirm_network_membership(request.user, link)
        messages.success(request, _("The network membership is confirmed."))
    else:
        services.end_network_membership(request.user, link)
        messages.success(request, _("The network membership was removed."))
    return redirect("organizations:members", slug)


@login_required
def export_directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not viewer_of(request.user).may_coordinate:
        raise PermissionDenied
    filename = f"organizations-{timezone.localdate():%Y-%m-%d}.csv"
    response = csv_response(filename, exchange.directory_rows(request.user))
    audit.record(request, audit.Action.EXPORT, kind="organizations")
    return response


@never_cache
@login_required
@require_GET
def export_organization(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    """Everything the portal holds about one organisation, as a JSON file for its owners."""
    organization = _organization_for(request, slug, Organization.MANAGE_MEMBERS)
    data = exchange.organization_data(request.user, organization)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = f"{organization.slug}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit.record(request, audit.Action.EXPORT, target=organization, kind="organization")
    return response


@accepts_upload(exchange.MAX_IMPORT_BYTES)
@login_required
def import_directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not viewer_of(request.user).may_coordinate:
        raise PermissionDenied
    form = exchange.ImportUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = exchange.import_organizations_csv(request.user, form.cleaned_data["file"])
    context = {"form": form, "report": report, **exchange.reference_codes()}
    return render(request, "organizations/import.html", context)
