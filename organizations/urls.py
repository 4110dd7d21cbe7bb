from django.urls import path

from organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("register/", views.register, name="register"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("export.csv", views.export_directory, name="export"),
    path("import/", views.import_directory, name="import"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/join/", views.join, name="join"),
    path("<slug:slug>/review/", views.review, name="review"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/hide/", views.hide, name="hide"),
    path("<slug:slug>/reveal/", views.reveal, name="reveal"),
    path("<slug:slug>/export/", views.export_organization, name="export_organization"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:membership_id>/role/", views.change_role, name="change_role"),
    path("<slug:slug>/members/<int:membership_id>/remove/", views.remove_member, name="remove_member"),
    path("<slug:slug>/members/<int:membership_id>/access/", views.end_member_access, name="end_member_access"),
    path("<slug:slug>/join-requests/<int:request_id>/", views.decide_join, name="decide_join"),
    path("<slug:slug>/invitations/<int:invitation_id>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("<slug:slug>/network/add/", views.add_network_member, name="add_network_member"),
    path("<slug:slug>/network/<int:link_id>/", views.answer_network, name="answer_network"),
]
