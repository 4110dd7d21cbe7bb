from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from statements.models import Endorsement, Statement, StatementHistoryEntry


class EndorsementInline(admin.TabularInline):
    model = Endorsement
    extra = 0
    autocomplete_fields = ["organization", "endorsed_by", "recorded_by"]
    fields = [
        "organization",
        "named_publicly",
        "naming_consent",
        "naming_consent_by",
        "naming_consent_at",
        "source",
        "created_at",
        "endorsed_by",
        "recorded_by",
    ]
    # Only the organisation consents to be named (Organization.named_publicly_q): nobody records it for it here.
    readonly_fields = ["naming_consent", "naming_consent_by", "naming_consent_at"]


@admin.register(Statement)
class StatementAdmin(TranslationAdmin):
    list_display = ["title", "owner", "kind", "status", "published_on", "opens_at", "closes_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "slug", "owner__search_text"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [EndorsementInline]


@admin.register(StatementHistoryEntry)
class StatementHistoryEntryAdmin(admin.ModelAdmin):
    list_display = ["statement", "action", "actor", "created_at"]
    list_filter = ["action"]
    readonly_fields = ["statement", "actor", "action", "message", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
