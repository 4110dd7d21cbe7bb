from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from modeltranslation.admin import TranslationAdmin

from statements import services
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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The inline shows every endorser: the operator's look at those not named publicly is in the audit log.
        statement = self.get_object(request, object_id)
        if statement is not None and request.method == "GET":
            services.record_unnamed_endorsers_seen(request.user, statement, statement.endorsements.all(), where="admin")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(StatementHistoryEntry)
class StatementHistoryEntryAdmin(admin.ModelAdmin):
    list_display = ["statement", "action", "actor", "created_at"]
    list_filter = ["action"]
    readonly_fields = ["statement", "actor", "action", "message", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
