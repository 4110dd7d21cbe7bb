from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from portal import retention, sessions
from portal.forms import PreferencesForm, TimeZoneForm
from portal.health import health_report
from portal.http import AuthenticatedHttpRequest
from portal.models import SignedInSession, TokenUse


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences are saved."))
        return redirect(translate_url(reverse("account_preferences"), request.user.preferred_language))
    return render(request, "account/preferences.html", {"form": form})


@login_required
def your_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every session the person is signed in with, and their API key, each with a way to end it."""
    current = sessions.current_hash(request)
    listed = [
        (record, sessions.browser_of(record.user_agent), record.key_hash == current)
        for record in sessions.sessions_of(request.user)
    ]
    token = sessions.token_of(request.user)
    token_use = TokenUse.objects.filter(user=request.user).first() if token else None
    return render(request, "account/sessions.html", {"sessions": listed, "token": token, "token_use": token_use})


@login_required
@require_POST
def end_session(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    # The person's own sessions only: another person's is not found.
    record = get_object_or_404(SignedInSession, pk=session_id, user=request.user)
    sessions.end_session(request.user, record)
    messages.success(request, _("That session is signed out."))
    return redirect("account_sessions")


@login_required
@require_POST
def end_other_sessions(request: AuthenticatedHttpRequest) -> HttpResponse:
    ended = sessions.end_sessions(request.user, request.user, keep=sessions.current_hash(request))
    messages.success(request, _("Signed out of %(count)d other sessions.") % {"count": ended})
    return redirect("account_sessions")


@login_required
@require_POST
def revoke_api_key(request: AuthenticatedHttpRequest) -> HttpResponse:
    if sessions.revoke_token(request.user, request.user):
        messages.success(request, _("Your API key was revoked."))
    return redirect("account_sessions")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy page: each category of personal data and how long it is kept, from the same registry and
    settings that the daily deletion uses (portal/retention.py)."""
    schedule = [(category, retention.describe(category.period)) for category in retention.categories()]
    return render(request, "privacy.html", {"schedule": schedule})


@login_required
@require_POST
def choose_time_zone(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Answer the question shown after logging in while no time zone was ever chosen (includes/time_zone_prompt)."""
    form = TimeZoneForm(request.POST)
    if form.is_valid():
        request.user.time_zone, request.user.time_zone_chosen = form.cleaned_data["time_zone"], True
        request.user.save(update_fields=["time_zone", "time_zone_chosen"])
        messages.success(request, _("Event times are now shown to you in %(zone)s.") % {"zone": request.user.time_zone})
    else:
        for error in form.errors["time_zone"]:
            messages.error(request, str(error))
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else "home")


@require_http_methods(["GET", "POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and remember it as the signed-in person's preference (POST). Anonymous
    visitors' switcher uses GET, which changes nothing but their language cookie."""
    if request.method == "GET":
        return _switch_language(request)
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


def _switch_language(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("language", "")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    if language not in dict(settings.LANGUAGES):
        return redirect(target)
    response = redirect(translate_url(target, language))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
