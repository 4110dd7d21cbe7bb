"""The pages that gather every app: the home page and a person's rights over their data."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from home import services
from home.figures import home_figures, latest_edition
from home.forms import DeleteAccountForm
from organizations.services import organizations_needing_owner
from portal import audit
from portal.http import AuthenticatedHttpRequest


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home/home.html", {"figures": home_figures(), "latest_edition": latest_edition()})


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
