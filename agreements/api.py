"""Read-only REST API for agreements, honouring the same visibility as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from agreements.models import Agreement, AgreementParty
from organizations.models import Organization


class PartySerializer(serializers.ModelSerializer):
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = AgreementParty
        fields = ["organization", "organization_name", "joined_on", "joined_by"]


class AgreementSerializer(serializers.ModelSerializer):
    owner: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parties = serializers.SerializerMethodField(help_text="Parties the caller may see named.")
    original_signatories = serializers.SerializerMethodField()
    accessions = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "slug",
            "title",
            "summary",
            "kind",
            "status",
            "visibility",
            "owner",
            "signed_on",
            "signed_place",
            "accepts_accessions",
            "original_signatories",
            "accessions",
            "parties",
            "document_url",
        ]

    def _parties(self, agreement: Agreement) -> list[AgreementParty]:
        # Parties were prefetched by the viewset: no query per agreement.
        return list(agreement.parties.all())

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, agreement: Agreement) -> list[dict[str, Any]]:
        user = self.context["request"].user
        named = [party for party in self._parties(agreement) if party.allows(user)]
        # many=True makes a ListSerializer; djangorestframework-stubs gives .data Serializer's ReturnDict.
        return PartySerializer(named, many=True).data  # type: ignore[return-value]

    def get_original_signatories(self, agreement: Agreement) -> int:
        return sum(party.joined_by == AgreementParty.JoinedBy.ORIGINAL for party in self._parties(agreement))

    def get_accessions(self, agreement: Agreement) -> int:
        return sum(party.joined_by == AgreementParty.JoinedBy.ACCESSION for party in self._parties(agreement))

    def get_document_url(self, agreement: Agreement) -> str | None:
        if not agreement.document:
            return None
        from django.urls import reverse

        return self.context["request"].build_absolute_uri(reverse("agreements:document", args=[agreement.slug]))


class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    """Protocols of cooperation and MoUs the caller may see; unnamed parties are counted, never named."""

    serializer_class = AgreementSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Agreement]:
        return (
            Agreement.objects.visible_to(self.request.user)
            .select_related("owner")
            .prefetch_related("parties__organization")
            .order_by("-signed_on", "pk")
        )
