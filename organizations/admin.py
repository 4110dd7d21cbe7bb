from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from organizations.models import (
    Governorate,
    HistoryEntry,
    JoinRequest,
    Membership,
    MembershipInvitation,
    NetworkMembership,
    Organization,
    Topic,
)
from portal.admin import CountriesInReadersOrder


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(CountriesInReadersOrder, TranslationAdmin):
    list_display = ["name", "acronym", "kind", "status", "is_host", "listed_publicly", "hq_country", "updated_at"]
    list_filter = ["status", "kind", "is_host", "listed_publicly"]
    search_fields = ["search_text", "acronym", "website"]
    readonly_fields = ["created_at", "updated_at", "verified_at"]
    filter_horizontal = ["topics", "governorates"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [MembershipInline]


@admin.register(Topic)
class TopicAdmin(TranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(Governorate)
class GovernorateAdmin(TranslationAdmin):
    list_display = ["name", "code"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__search_text"]
    autocomplete_fields = ["user", "organization"]


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "accepted_at"]
    search_fields = ["email", "organization__search_text"]
    readonly_fields = ["token"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "status", "created_at", "decided_at"]
    list_filter = ["status"]


@admin.register(NetworkMembership)
class NetworkMembershipAdmin(admin.ModelAdmin):
    list_display = ["network", "member", "confirmed", "created_at"]
    list_filter = ["confirmed"]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(admin.ModelAdmin):
    list_display = ["organization", "action", "actor", "created_at"]
    list_filter = ["action"]
    readonly_fields = ["organization", "actor", "action", "changes", "audiences", "message", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
