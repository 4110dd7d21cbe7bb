from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from events import services
from events.models import Document, Event, EventSeries, Invitation, Registration, SeatHold, Session
from portal.admin import CountriesInReadersOrder


class SessionInline(TranslationTabularInline):
    model = Session
    extra = 0


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(EventSeries)
class EventSeriesAdmin(TranslationAdmin):
    list_display = ["title", "owner", "is_working_group"]
    filter_horizontal = ["members"]


@admin.register(Event)
class EventAdmin(CountriesInReadersOrder, TranslationAdmin):
    list_display = [
        "title",
        "owner",
        "kind",
        "format",
        "status",
        "visibility",
        "starts_at",
        "time_zone",
        "capacity",
        "link_release_at",
    ]
    list_filter = ["status", "visibility", "kind", "format", "registration_mode"]
    search_fields = ["title", "city", "venue"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["owner"]
    inlines = [SessionInline, InvitationInline]

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        # A change of time, place or status is a new revision for calendar apps, from here as from the pages.
        if change:
            services.count_revision(obj)
        super().save_model(request, obj, form, change)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "organization", "status", "created_at", "link_sent_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "event__title"]
    autocomplete_fields = ["user", "event", "organization"]


@admin.register(SeatHold)
class SeatHoldAdmin(admin.ModelAdmin):
    list_display = ["email", "invitation", "status", "expires_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["email", "invitation__event__title", "invitation__organization__name"]
    raw_id_fields = ["invitation", "membership_invitation", "registration", "invited_by"]


@admin.register(Document)
class DocumentAdmin(TranslationAdmin):
    list_display = ["title", "event", "kind", "visibility", "created_at"]
    list_filter = ["kind", "visibility"]
