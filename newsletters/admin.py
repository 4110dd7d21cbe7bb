from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from newsletters.models import Edition, EditionPDF, Item, Publication, Section


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
