from django.urls import path

from statements import views
from statements.feeds import StatementFeed

app_name = "statements"

urlpatterns = [
    path("", views.statement_list, name="list"),
    path("new/", views.statement_edit, name="create"),
    path("feed/", StatementFeed(), name="feed"),
    path("<slug:slug>/", views.statement_detail, name="detail"),
    path("<slug:slug>/endorse/", views.endorse, name="endorse"),
    path("<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:slug>/stop-naming/", views.stop_naming, name="stop_naming"),
    path("<slug:slug>/name/", views.name_publicly, name="name_publicly"),
    path("<slug:slug>/endorsers.csv", views.endorsers_csv, name="endorsers_csv"),
    path("<slug:slug>/pdf/", views.statement_pdf, name="pdf"),
    path("<slug:slug>/edit/", views.statement_edit, name="edit"),
    path("<slug:slug>/manage/", views.statement_manage, name="manage"),
    path("<slug:slug>/status/", views.statement_transition, name="transition"),
    path("<slug:slug>/endorsements/remove/", views.endorsement_remove, name="remove_endorsement"),
    path("<slug:slug>/endorsements/import/", views.endorsement_import, name="import"),
]
