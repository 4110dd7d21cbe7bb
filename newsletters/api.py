"""Read-only REST API for publications and their published editions."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from newsletters.models import Edition, Item, Publication, Section
from organizations.models import Organization


class PublicationSerializer(serializers.ModelSerializer):
    owner: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Publication
        fields = ["slug", "title", "description", "owner"]


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["date", "title", "body", "photo_credit", "links"]


class SectionSerializer(serializers.ModelSerializer):
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = Section
        fields = ["title", "items"]


class EditionSerializer(serializers.ModelSerializer):
    publication: serializers.SlugRelatedField[Publication] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    sections = SectionSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Edition
        fields = [
            "publication",
            "number",
            "title",
            "period_start",
            "period_end",
            "introduction",
            "disclaimer",
            "cover_credit",
            "status",
            "published_on",
            "sections",
            "url",
        ]

    def get_url(self, edition: Edition) -> str:
        return self.context["request"].build_absolute_uri(edition.get_absolute_url())


class PublicationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PublicationSerializer
    lookup_field = "slug"
    queryset = Publication.objects.select_related("owner").order_by("title")


class EditionViewSet(viewsets.ReadOnlyModelViewSet):
    """Published editions (and, for the publisher's editors, their drafts), newest first."""

    serializer_class = EditionSerializer

    def get_queryset(self) -> QuerySet[Edition]:
        return (
            Edition.objects.visible_to(self.request.user)
            .select_related("publication")
            .prefetch_related("sections__items")
            .order_by("-published_on", "-number", "pk")
        )
