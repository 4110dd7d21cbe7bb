from django.urls import path

from newsletters import mailing_views, views

app_name = "newsletters"

urlpatterns = [
    path("", views.publication_list, name="list"),
    path("new/", views.publication_edit, name="publication_create"),
    path("lists/", mailing_views.list_index, name="lists"),
    path("lists/new/", mailing_views.list_edit, name="list_create"),
    path("lists/<slug:slug>/", mailing_views.list_detail, name="mailing_list"),
    path("lists/<slug:slug>/edit/", mailing_views.list_edit, name="list_edit"),
    path("lists/<slug:slug>/export.csv", mailing_views.list_export, name="list_export"),
    path("lists/<slug:slug>/subscribe/", mailing_views.subscribe, name="subscribe"),
    path("lists/<slug:slug>/campaigns/new/", mailing_views.campaign_edit, name="campaign_create"),
    path("lists/<slug:slug>/campaigns/<int:campaign_id>/", mailing_views.campaign_detail, name="campaign"),
    path(
        "lists/<slug:slug>/campaigns/<int:campaign_id>/progress/",
        mailing_views.campaign_progress,
        name="campaign_progress",
    ),
    path(
        "lists/<slug:slug>/campaigns/<int:campaign_id>/action/", mailing_views.campaign_action, name="campaign_action"
    ),
    path("subscriptions/<str:token>/confirm/", mailing_views.confirm, name="confirm"),
    path("subscriptions/<str:token>/unsubscribe/", mailing_views.unsubscribe, name="unsubscribe"),
    path("subscriptions/<str:token>/resubscribe/", mailing_views.resubscribe, name="resubscribe"),
    path("<slug:slug>/", views.publication_detail, name="publication"),
    path("<slug:slug>/edit/", views.publication_edit, name="publication_edit"),
    path("<slug:slug>/feed/", views.PublicationFeed(), name="feed"),
    path("<slug:slug>/editions/new/", views.edition_edit, name="edition_create"),
    path("<slug:slug>/<int:number>/", views.edition_detail, name="edition"),
    path("<slug:slug>/<int:number>/pdf/", views.edition_pdf, name="edition_pdf"),
    path("<slug:slug>/<int:number>/edit/", views.edition_edit, name="edition_edit"),
    path("<slug:slug>/<int:number>/compose/", views.compose, name="compose"),
    path("<slug:slug>/<int:number>/publish/", views.publish, name="publish"),
    path("<slug:slug>/<int:number>/render/", views.render_pdfs, name="render_pdfs"),
    path("<slug:slug>/<int:number>/sections/new/", views.section_edit, name="section_create"),
    path("<slug:slug>/<int:number>/sections/<int:section_id>/", views.section_edit, name="section_edit"),
    path("<slug:slug>/<int:number>/sections/<int:section_id>/items/new/", views.item_edit, name="item_create"),
    path("<slug:slug>/<int:number>/sections/<int:section_id>/items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("<slug:slug>/<int:number>/<str:kind>/<int:object_id>/reorder/", views.reorder, name="reorder"),
]
