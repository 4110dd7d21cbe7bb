from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from newsletters.models import (
    Campaign,
    Claim,
    Delivery,
    Edition,
    EditionPDF,
    Item,
    MailingList,
    Publication,
    Section,
    Subscriber,
    Subscription,
)


@admin.register(Publication)
class PublicationAdmin(TranslationAdmin):
    list_display = ["title", "owner", "created_at"]
    autocomplete_fields = ["owner"]


class SectionInline(TranslationStackedInline):
    model = Section
    extra = 0


@admin.register(Edition)
class EditionAdmin(TranslationAdmin):
    list_display = ["title", "publication", "number", "status", "published_on"]
    list_filter = ["status", "publication"]
    search_fields = ["title"]
    inlines = [SectionInline]


@admin.register(Item)
class ItemAdmin(TranslationAdmin):
    list_display = ["title", "section", "date", "position"]
    search_fields = ["title"]
    filter_horizontal = ["organizations", "events"]


@admin.register(EditionPDF)
class EditionPDFAdmin(admin.ModelAdmin):
    list_display = ["edition", "language", "status", "pages", "updated_at"]
    list_filter = ["status", "language"]
    readonly_fields = ["content_key", "error"]


@admin.register(MailingList)
class MailingListAdmin(TranslationAdmin):
    list_display = ["name", "owner", "publication", "is_public"]
    autocomplete_fields = ["owner"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "status", "bounce_count", "created_at"]
    list_filter = ["status", "language"]
    search_fields = ["email"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "mailing_list", "status", "source", "created_at"]
    list_filter = ["status", "source", "mailing_list"]
    search_fields = ["subscriber__email"]
    readonly_fields = ["token"]


@admin.register(Campaign)
class CampaignAdmin(TranslationAdmin):
    list_display = ["__str__", "mailing_list", "status", "scheduled_at", "started_at", "finished_at"]
    list_filter = ["status"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """The senders' leases: which worker sent what, and when a stopped one's claims were taken over."""

    list_display = ["campaign", "worker", "created_at", "expires_at", "ended_at"]
    list_select_related = ["campaign"]
    readonly_fields = ["campaign", "token", "worker", "created_at", "expires_at", "ended_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["campaign", "subscription", "status", "attempts", "sent_at", "possibly_duplicate"]
    list_filter = ["status", "possibly_duplicate"]
    readonly_fields = [
        "campaign",
        "subscription",
        "status",
        "attempts",
        "claim",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "possibly_duplicate",
    ]
