"""Read-only REST API for statements, honouring the same visibility as the pages.

Endorsers not named to the public (they asked not to be, or have not confirmed being named: Endorsement.named_q)
are counted and never named here, whoever asks: the API is for republishing, and the managers' full list stays on
the management page. A statement can gather thousands of
endorsers, so they come a page at a time from their own endpoint (`endorsers_url`), never inside the statement.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.models import Organization
from portal.access import ANONYMOUS
from portal.api import SharedListViewSet, shared_rows
from portal.renderers import Encoded, encode
from statements.models import Endorsement, Statement


class EndorserSerializer(serializers.ModelSerializer):
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    country = serializers.CharField(source="organization.hq_country.code", read_only=True)
    endorsed_on = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Endorsement
        fields = ["organization", "organization_name", "country", "endorsed_on"]


class EndorsementFiguresSerializer(serializers.Serializer):
    organizations = serializers.IntegerField(help_text="Every endorsing organisation, named or not.")
    countries = serializers.IntegerField(
        help_text="Countries where the endorsers named publicly are based (an endorser not named adds none)."
    )
    not_named = serializers.IntegerField(
        help_text="Endorsers not named publicly: they asked not to be, or have not confirmed being named yet."
    )


class StatementListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[Encoded]:
        # A statement is shown alike to everyone who may see it: a page is encoded once for the readers of the same
        # statements (its addresses name the site, its dates are in the active time zone).
        request = self.context["request"]
        name = f"api-statements-encoded:{request.build_absolute_uri('/')}:{timezone.get_current_timezone_name()}"
        return [Encoded(item) for _pk, item in shared_rows(name, data, self._encoded)]

    def _encoded(self, statement: Statement) -> bytes:
        return encode(self.child.to_representation(statement))  # type: ignore[union-attr]


class StatementSerializer(serializers.ModelSerializer):
    owner: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    language = serializers.SerializerMethodField(help_text="The language version shown (the caller's if published).")
    title = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    addressees = serializers.SerializerMethodField()
    accepts_endorsements = serializers.SerializerMethodField()
    endorsements = serializers.SerializerMethodField()
    endorsers_url = serializers.SerializerMethodField(
        help_text="The endorsers named publicly, a page at a time, in alphabetical order."
    )
    url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        list_serializer_class = StatementListSerializer
        fields = [
            "slug",
            "kind",
            "status",
            "owner",
            "owner_name",
            "language",
            "title",
            "text",
            "addressees",
            "published_languages",
            "published_on",
            "opens_at",
            "closes_at",
            "accepts_endorsements",
            "endorsements",
            "endorsers_url",
            "url",
            "pdf_url",
        ]

    def get_language(self, statement: Statement) -> str:
        return statement.version.language

    def get_title(self, statement: Statement) -> str:
        return statement.version.title

    def get_text(self, statement: Statement) -> str:
        return statement.version.text

    def get_addressees(self, statement: Statement) -> str:
        return statement.version.addressees

    def get_accepts_endorsements(self, statement: Statement) -> bool:
        return statement.accepts_endorsements()

    @extend_schema_field(EndorsementFiguresSerializer)
    def get_endorsements(self, statement: Statement) -> dict[str, int]:
        # Kept on the statement (Statement.endorsers_count...): no query per statement.
        return {
            "organizations": statement.endorsers_count,
            "countries": statement.countries_count,
            "not_named": statement.unnamed_count,
        }

    def get_endorsers_url(self, statement: Statement) -> str:
        return self.context["request"].build_absolute_uri(reverse("statement-endorsers", args=[statement.slug]))

    def get_url(self, statement: Statement) -> str:
        return self.context["request"].build_absolute_uri(statement.get_absolute_url())

    def get_pdf_url(self, statement: Statement) -> str:
        return self.context["request"].build_absolute_uri(reverse("statements:pdf", args=[statement.slug]))


class StatementViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, SharedListViewSet):
    """Open letters and joint statements the caller may see, in the caller's language where that version is
    published; endorsers not named publicly are counted, never named."""

    serializer_class = StatementSerializer
    lookup_field = "slug"
    model = Statement
    list_label = "api-statements"  # not a statement's endorsers: those are the public's, paged apart

    def visible(self) -> QuerySet[Statement]:
        return Statement.objects.visible_to(self.request.user).select_related("owner")

    @extend_schema(summary="A statement's endorsers named publicly", responses=EndorserSerializer(many=True))
    @action(detail=True, serializer_class=EndorserSerializer)
    def endorsers(self, request: Request, slug: str | None = None, **kwargs: Any) -> Response:
        statement = self.get_object()
        # What the public may see, whoever asks.
        named = statement.endorsements.visible_to(ANONYMOUS).select_related("organization")
        page = self.paginate_queryset(named.order_by("organization__name", "pk"))
        return self.get_paginated_response(EndorserSerializer(page, many=True).data)
