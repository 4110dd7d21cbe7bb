from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_edit, name="create"),
    path("<slug:slug>/", views.agreement_detail, name="detail"),
    path("<slug:slug>/edit/", views.agreement_edit, name="edit"),
    path("<slug:slug>/parties/", views.agreement_manage, name="manage"),
    path("<slug:slug>/parties/<int:party_id>/remove/", views.party_remove, name="remove_party"),
    path("<slug:slug>/parties/<int:party_id>/name/", views.party_name, name="name_party"),
    path("<slug:slug>/parties/<int:party_id>/unname/", views.party_unname, name="unname_party"),
    path("<slug:slug>/accession/", views.accession_request, name="accede"),
    path("<slug:slug>/accession/<int:request_id>/", views.accession_decide, name="decide_accession"),
    path("<slug:slug>/document/", views.agreement_document, name="document"),
    path("<slug:slug>/pdf/", views.agreement_pdf, name="pdf"),
]
