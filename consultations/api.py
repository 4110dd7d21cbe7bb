"""Read-only REST API for consultations: the calls and published summaries everyone may read, and the
submissions for the host's coordinators. Organisations that chose not to be named are counted, never named."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from consultations import services
from consultations.models import Consultation, Question, Submission
from organizations.models import Organization


class QuestionSerializer(serializers.ModelSerializer):
    options = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "kind", "prompt", "options"]

    def get_options(self, question: Question) -> list[str]:
        return question.option_list()


class QuotationSerializer(serializers.Serializer):
    text = serializers.CharField()
    language = serializers.CharField()
    organization = serializers.CharField(source="shown_name", help_text="Empty where it chose not to be named.")


class ConsultationSerializer(serializers.ModelSerializer):
    host: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    what_we_heard = serializers.SerializerMethodField()

    class Meta:
        model = Consultation
        fields = [
            "slug",
            "title",
            "description",
            "host",
            "status",
            "opens_at",
            "closes_at",
            "time_zone",
            "answer_languages",
            "audience",
            "questions",
            "what_we_heard",
        ]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_what_we_heard(self, consultation: Consultation) -> dict[str, Any] | None:
        if not consultation.summary_is_published:
            return None
        return {
            "summary": consultation.summary,
            "published": consultation.summary_published_at,
            "contributors": consultation.contributors_count,
            "countries_of_those_named": consultation.countries_count,
            "not_named": consultation.unnamed_count,
            "quotations": QuotationSerializer(services.public_quotations(consultation), many=True).data,
        }


class SubmissionSerializer(serializers.ModelSerializer):
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    recommendations = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "organization", "status", "language", "use", "answers", "submitted_at", "recommendations"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_recommendations(self, submission: Submission) -> list[dict[str, Any]]:
        return [
            {"topic": str(item.topic) if item.topic else None, "text": item.text, "response": item.response}
            for item in submission.recommendations.all()
        ]


class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls for input the caller may see, and their published summaries ("what we heard")."""

    serializer_class = ConsultationSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Consultation]:
        return (
            Consultation.objects.visible_to(self.request.user)
            .select_related("host")
            .prefetch_related("questions")
            .order_by("-opens_at", "pk")
        )

    @extend_schema(responses=SubmissionSerializer(many=True))
    @action(detail=True)
    def submissions(self, request: Request, slug: str | None = None, format: str | None = None) -> Response:
        """The submissions the caller reads as one of the host's coordinators (none for anyone else)."""
        consultation = get_object_or_404(self.get_queryset(), slug=slug)
        submissions = services.submissions_for_coordinators(consultation, request.user)
        return Response(SubmissionSerializer(submissions, many=True).data)
