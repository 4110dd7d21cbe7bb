from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from consultations.models import Consultation, ConsultationDocument, Question, Quotation, Recommendation, Submission


class QuestionInline(TranslationStackedInline):
    model = Question
    extra = 0


class DocumentInline(admin.TabularInline):
    model = ConsultationDocument
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(TranslationAdmin):
    list_display = ["title", "host", "status", "audience", "opens_at", "closes_at", "summary_published_at"]
    list_filter = ["status", "audience"]
    search_fields = ["search_text", "host__search_text"]
    autocomplete_fields = ["host", "network", "invited"]
    filter_horizontal = ["meetings"]
    inlines = [QuestionInline, DocumentInline]


class RecommendationInline(admin.StackedInline):
    model = Recommendation
    extra = 0
    readonly_fields = ["responded_at", "responded_by"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["organization", "consultation", "status", "use", "submitted_at"]
    list_filter = ["status", "use"]
    search_fields = ["organization__search_text", "consultation__search_text"]
    autocomplete_fields = ["organization"]
    # Only the organisation consents to be named (Organization.named_publicly_q): nobody records it for it here.
    readonly_fields = ["named_publicly", "naming_consent", "naming_consent_by", "naming_consent_at"]
    inlines = [RecommendationInline]


@admin.register(Quotation)
class QuotationAdmin(admin.ModelAdmin):
    list_display = ["consultation", "organization", "named_publicly", "language"]
    readonly_fields = ["named_publicly", "naming_consent", "naming_consent_by", "naming_consent_at"]
