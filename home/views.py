"""The pages that gather every app: the home page and a person's rights over their data."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from home import outreach, services
from home.figures import home_figures, latest_edition
from home.forms import DeleteAccountForm
from newsletters import dispatch
from newsletters.tasks import dispatch_campaign
from organizations.services import organizations_needing_owner
from portal import audit
from portal.http import AuthenticatedHttpRequest
from portal.ratelimit import limited
from statements import services as statement_services
from statements.forms import OutreachForm
from statements.views import statement_for


def home(request: HttpRequest) -> HttpResponse:
    # Read only when the shared page body is rendered again (home/home.html).
    context = {"figures": SimpleLazyObject(home_figures), "latest_edition": SimpleLazyObject(latest_edition)}
    return render(request, "home/home.html", context)


@never_cache
@login_required
@require_GET
def personal_data(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Everything the portal holds about the signed-in person, as a JSON file."""
    response = JsonResponse(
        services.personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate():%Y-%m-%d}.json"'
    audit.record(request, audit.Action.DATA_DOWNLOADED)
    return response


@login_required
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for your work with us."))
            return redirect("home")
    blocked = organizations_needing_owner(request.user)
    return render(request, "account/delete.html", {"form": form, "blocked": blocked})


@login_required
@limited("statement_outreach")
def statement_outreach(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Invite the owners of verified organisations matching a filter to endorse a statement (home.outreach): shows
    how many match first, and how the invitations sent so far are going out."""
    statement = statement_for(request, slug, manage=True)
    countries_in_use = statement_services.outreach_recipients(request.user, statement).countries_in_use()
    form = OutreachForm(request.POST or request.GET or None, countries_in_use=countries_in_use)
    matching = None
    if form.is_bound and form.is_valid():
        if request.method == "POST":
            try:
                count, _campaign = outreach.send_outreach(
                    request.user, statement, form.criteria(), queue_sending=dispatch_campaign.delay
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                message = ngettext(
                    "Invitations are being sent to the owners of %(count)d organisation.",
                    "Invitations are being sent to the owners of %(count)d organisations.",
                    count,
                )
                messages.success(request, message % {"count": count})
                return redirect("statement_outreach", slug)
        matching = statement_services.outreach_recipients(request.user, statement, **form.criteria()).count()
    sent = [
        (campaign, dispatch.progress(campaign), dispatch.limit_notice(campaign))
        for campaign in outreach.sent_outreach(statement)[:10]
    ]
    context = {"statement": statement, "form": form, "matching": matching, "sent": sent}
    return render(request, "statements/outreach.html", context)
