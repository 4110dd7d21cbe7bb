from django.urls import path

from consultations import views
from consultations.feeds import ConsultationFeed

app_name = "consultations"

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("new/", views.consultation_edit, name="create"),
    path("feed/", ConsultationFeed(), name="feed"),
    path("<slug:slug>/", views.consultation_detail, name="detail"),
    path("<slug:slug>/what-we-heard/", views.consultation_heard, name="heard"),
    path("<slug:slug>/what-we-heard/pdf/", views.heard_pdf, name="heard_pdf"),
    path("<slug:slug>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<slug:slug>/respond/", views.respond, name="respond"),
    path("<slug:slug>/submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("<slug:slug>/submissions/<int:pk>/use/", views.submission_use, name="submission_use"),
    path("<slug:slug>/submissions/<int:pk>/assign/", views.submission_assign, name="submission_assign"),
    path(
        "<slug:slug>/submissions/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path("<slug:slug>/edit/", views.consultation_edit, name="edit"),
    path("<slug:slug>/manage/", views.consultation_manage, name="manage"),
    path("<slug:slug>/publish/", views.consultation_publish, name="publish"),
    path("<slug:slug>/invited/", views.consultation_invited, name="invited"),
    path("<slug:slug>/invited/<int:organization_id>/remove/", views.invited_remove, name="invited_remove"),
    path("<slug:slug>/questions/", views.question_add, name="question_add"),
    path("<slug:slug>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("<slug:slug>/documents/", views.document_add, name="document_add"),
    path("<slug:slug>/recommendations/<int:recommendation_id>/", views.recommendation_respond, name="answer"),
    path("<slug:slug>/submissions.csv", views.submissions_csv, name="csv"),
    path("<slug:slug>/submissions.pdf", views.submissions_pdf, name="bundle"),
    path("<slug:slug>/summary/", views.summary_edit, name="summary"),
    path("<slug:slug>/summary/quotations/<int:quotation_id>/remove/", views.quotation_remove, name="quotation_remove"),
]
