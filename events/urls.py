from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_edit, name="create"),
    path("delegation/<str:token>/", views.delegation, name="delegation"),
    path("feeds/", views.my_calendar, name="my_calendar"),
    path("feeds/organizations/<slug:slug>/", views.reset_organization_feed, name="reset_organization_feed"),
    path("feeds/<str:token>.ics", views.feed, name="feed"),
    path("feeds/<slug:slug>/<str:token>.ics", views.retired_feed, name="retired_feed"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/calendar.ics", views.event_ical, name="ical"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/manage/", views.event_manage, name="manage"),
    path("<slug:slug>/sessions/", views.session_add, name="session_add"),
    path("<slug:slug>/sessions/<int:session_id>/remove/", views.session_remove, name="session_remove"),
    path("<slug:slug>/documents/", views.document_add, name="document_add"),
    path("<slug:slug>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<slug:slug>/invitations/<int:invitation_id>/", views.invitation, name="invitation"),
    path("<slug:slug>/invitations/<int:invitation_id>/seats/", views.invitation_seats, name="invitation_seats"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/registrations/<int:registration_id>/cancel/", views.cancel, name="cancel"),
    path("<slug:slug>/registrations/<int:registration_id>/", views.registration_action, name="registration_action"),
    path("<slug:slug>/registrations/<int:registration_id>/visa-letter/", views.visa_letter, name="visa_letter"),
]
