from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from agreements.api import AgreementViewSet
from consultations.api import ConsultationViewSet
from events.api import EventViewSet
from home import views
from newsletters.api import EditionViewSet, PublicationViewSet
from organizations.api import OrganizationViewSet
from portal import views as portal_views
from portal.api import MeView
from statements.api import StatementViewSet

# The pages a visitor meets when something goes wrong, in their language (portal/errors.py).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"

api_router = routers.DefaultRouter()
api_router.register("agreements", AgreementViewSet, basename="agreement")
api_router.register("events", EventViewSet, basename="event")
api_router.register("publications", PublicationViewSet, basename="publication")
api_router.register("editions", EditionViewSet, basename="edition")
api_router.register("organizations", OrganizationViewSet, basename="organization")
api_router.register("statements", StatementViewSet, basename="statement")
api_router.register("consultations", ConsultationViewSet, basename="consultation")

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(api_router.urls)),
]

urlpatterns = [
    path("healthz", portal_views.healthz, name="healthz"),
    path("i18n/setlang/", portal_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}img/favicon.svg", permanent=True)),
]

if settings.DEBUG:
    # The embedded default serves uploaded public images itself; in production the proxy does.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("privacy/", portal_views.privacy, name="privacy"),
    path("accounts/preferences/", portal_views.preferences, name="account_preferences"),
    path("accounts/sessions/", portal_views.your_sessions, name="account_sessions"),
    path("accounts/sessions/<int:session_id>/end/", portal_views.end_session, name="account_end_session"),
    path("accounts/sessions/end-others/", portal_views.end_other_sessions, name="account_end_other_sessions"),
    path("accounts/api-key/revoke/", portal_views.revoke_api_key, name="account_revoke_api_key"),
    path("accounts/time-zone/", portal_views.choose_time_zone, name="account_time_zone"),
    path("accounts/data/", views.personal_data, name="account_data"),
    path("accounts/delete/", views.delete_account, name="account_delete"),
    path("accounts/", include("allauth.urls")),
    path("organizations/", include("organizations.urls")),
    path("agreements/", include("agreements.urls")),
    path("events/", include("events.urls")),
    path("bulletins/", include("newsletters.urls")),
    # Statement outreach goes out as a campaign: home joins statements and newsletters (home/outreach.py).
    path("statements/<slug:slug>/outreach/", views.statement_outreach, name="statement_outreach"),
    path("statements/", include("statements.urls")),
    path("consultations/", include("consultations.urls")),
    prefix_default_language=True,
)
