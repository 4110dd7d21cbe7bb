from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from agreements.models import AccessionRequest, Agreement, AgreementParty


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["organization"]
    # Only the organisation consents to be named (Organization.named_publicly_q): nobody records it for it here.
    readonly_fields = ["naming_consent", "naming_consent_by", "naming_consent_at"]


@admin.register(Agreement)
class AgreementAdmin(TranslationAdmin):
    list_display = ["title", "owner", "kind", "status", "visibility", "signed_on"]
    list_filter = ["kind", "status", "visibility"]
    search_fields = ["title", "owner__search_text"]
    autocomplete_fields = ["owner"]
    inlines = [AgreementPartyInline]


@admin.register(AccessionRequest)
class AccessionRequestAdmin(admin.ModelAdmin):
    list_display = ["organization", "agreement", "status", "created_at", "decided_at"]
    list_filter = ["status"]
