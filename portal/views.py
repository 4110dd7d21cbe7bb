from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from organizations.services import organizations_needing_owner
from portal import audit, services
from portal.figures import home_figures, latest_edition
from portal.forms import DeleteAccountForm, PreferencesForm
from portal.health import health_report


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"figures": home_figures(), "latest_edition": latest_edition()})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences are saved."))
        return redirect(translate_url(reverse("account_preferences"), request.user.preferred_language))
    return render(request, "account/preferences.html", {"form": form})


@never_cache
@login_required
@require_GET
def personal_data(request: HttpRequest) -> JsonResponse:
    """Everything the portal holds about the signed-in person, as a JSON file."""
    response = JsonResponse(
        services.personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate():%Y-%m-%d}.json"'
    audit.record(request, audit.Action.DATA_DOWNLOADED)
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
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


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it as the signed-in person's preference."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse({"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503)
