"""The organisations API: the directory and profiles as far as the caller may see them, and profile edits.

Registration, verification and membership happen on the site; the API reads profiles and lets editors
keep theirs current. Who may see or change what is asked of Organization.rule, never decided here.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.serializers import CountryFieldMixin
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from organizations import services
from organizations.filters import OrganizationFilter
from organizations.forms import OrganizationForm
from organizations.models import (
    LISTED,
    WORKING_LANGUAGES,
    Governorate,
    Organization,
    OrganizationQuerySet,
    Topic,
)
from portal.access import MANAGE, allowed_ids, viewer_of
from portal.api import FIELD_MAPPING, SharedListViewSet, WebAddressCharField, shared_rows
from portal.paging import unbuilt
from portal.publiccache import cached_public, digest
from portal.renderers import Encoded, Member, Pieces, for_tags, pieces, shown

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
NAME_FIELDS = [f"name_{code}" for code in LANGUAGE_CODES]
DESCRIPTION_FIELDS = [f"description_{code}" for code in LANGUAGE_CODES]
# Shown only to those who may edit the profile: how it chose to show itself.
VISIBILITY_FIELDS = ["listed_publicly", *Organization.CONTACT_FIELDS.values()]
MAX_SOCIAL_LINKS = 10
# What a reader must hold to be sent a member of a profile (portal.renderers.Member): each contact field its own
# name, how the profile shows itself MANAGE.
_TAGS = {**{name: name for name in Organization.CONTACT_FIELDS}, **dict.fromkeys(VISIBILITY_FIELDS, MANAGE)}


def reader_tags(*, contacts: set[str], manages: bool) -> set[str]:
    """The tags of a reader who may see the contact fields `contacts`, and manage the profile or not: contact
    fields they may not see are left out of the payload, not sent empty."""
    return contacts | {MANAGE} if manages else contacts


class CodeRelatedField(serializers.SlugRelatedField):
    """A focus area or governorate named by its code."""

    def to_internal_value(self, data: Any) -> Any:
        # Only strings can be codes; PostgreSQL refuses a lookup that contains a NUL character.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class OrganizationListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[Encoded]:
        child = cast("OrganizationSerializer", self.child)
        request = self.context["request"]
        # Encoded once, as shown to those who see everything, for every reader of the same page (the logo's address
        # names the host); each reader is sent the pieces they may see. Which contact fields and profiles the reader
        # may see and manage is asked of the rule for the whole page: of the fields the profile holds (their status,
        # to whom each contact is shown), so mostly in Python, and in one query for whatever they leave open.
        shared = shared_rows(f"api-organizations-pieces:{request.get_host()}", data, child.encoded)
        contacts = Organization.CONTACT_ACTIONS
        known = {pk: fields for pk, (_pieces, fields) in shared}
        allowed = allowed_ids(Organization, list(known), request.user, *contacts.values(), MANAGE, known=known)
        return [
            for_tags(
                encoded,
                reader_tags(
                    contacts={name for name, action in contacts.items() if pk in allowed[action]},
                    manages=pk in allowed[MANAGE],
                ),
            )
            for pk, (encoded, _fields) in shared
        ]


class OrganizationSerializer(CountryFieldMixin, serializers.ModelSerializer):
    """A profile. Contact fields the caller may not see are left out of the payload, not sent empty."""

    governorates = CodeRelatedField(slug_field="code", queryset=Governorate.objects.all(), many=True, required=False)
    topics = CodeRelatedField(slug_field="slug", queryset=Topic.objects.all(), many=True, required=False)
    working_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=WORKING_LANGUAGES), required=False, max_length=len(WORKING_LANGUAGES)
    )
    social_links = serializers.ListField(
        child=WebAddressCharField(max_length=500),
        required=False,
        max_length=MAX_SOCIAL_LINKS,
    )
    logo = serializers.ImageField(read_only=True, use_url=True)
    serializer_field_mapping = FIELD_MAPPING

    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            *NAME_FIELDS,
            "description",
            *DESCRIPTION_FIELDS,
            "acronym",
            "kind",
            "status",
            "is_host",
            "founded_year",
            "hq_country",
            "countries",
            "governorates",
            "topics",
            "working_languages",
            "website",
            "social_links",
            "logo",
            *Organization.CONTACT_FIELDS,
            *VISIBILITY_FIELDS,
        ]
        read_only_fields = ["slug", "name", "description", "status", "is_host"]
        list_serializer_class = OrganizationListSerializer
        extra_kwargs = {"countries": {"required": False}}

    def to_representation(self, instance: Organization) -> dict[str, Any]:
        user = self.context["request"].user
        tags = reader_tags(
            contacts={name for name in Organization.CONTACT_FIELDS if instance.may_see_contact(user, name)},
            manages=instance.allows(user, MANAGE),
        )
        return shown(self.members(instance), tags)

    def members(self, instance: Organization) -> list[Member]:
        """The profile with every contact field and how it is shown, each tagged (`reader_tags`): never sent as it
        is, and the same whoever asks."""
        return [(key, value, _TAGS.get(key)) for key, value in super().to_representation(instance).items()]

    def encoded(self, instance: Organization) -> tuple[Pieces, dict[str, Any]]:
        """The profile encoded for every reader, with the fields the rule on its contacts asks of it."""
        members = self.members(instance)
        fields = {key: value for key, value, _tag in members if key in ("status", *VISIBILITY_FIELDS)}
        return pieces(members), fields

    def validate_kind(self, value: str) -> str:
        # The same rule as the profile form: some kinds are set by the operators, never claimed.
        current = self.instance.kind if self.instance is not None else None
        if value in OrganizationForm.operator_kinds and current not in OrganizationForm.operator_kinds:
            raise serializers.ValidationError(_("Only the platform operators can set this kind."))
        return value

    def validate_working_languages(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        names = [attrs[name] if name in attrs else getattr(self.instance, name, "") for name in NAME_FIELDS]
        if not any(names):
            raise serializers.ValidationError(
                {"name_en": [_("Give the organisation's name in at least one language.")]}, code="no_name"
            )
        # English is the fallback language: a name given only in another language stands in for it.
        if not names[LANGUAGE_CODES.index("en")]:
            attrs["name_en"] = next(name for name in names if name)
        return attrs


class OrganizationAccess(BasePermission):
    """Anyone reads what Organization.rule lets them see; editing asks the same rule (MANAGE)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Request, view: Any, obj: Organization) -> bool:
        return request.method in SAFE_METHODS or obj.allows(request.user, MANAGE)


SCOPE_PARAMETER = OpenApiParameter(
    "scope",
    str,
    enum=["directory", "all"],
    description=(
        "`directory` (the default): the public directory plus the caller's own organisations. "
        "`all`: every organisation the caller may see (for coordinators, every organisation)."
    ),
)
# django-filter's own description of these two says only "a string"; the filters refuse anything else with a 400.
FILTER_PARAMETERS = [
    OpenApiParameter("q", {"type": "string", "maxLength": 100}, description="Name or acronym"),
    OpenApiParameter("country", str, enum=sorted(countries.countries), description="Country (ISO code)"),
]


class DirectoryFilterBackend(DjangoFilterBackend):
    """The directory's filters, built only when a request asks for one: without, they would leave the list as it
    is, and building their form (five filters and their choices) was a tenth of the list's time."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if not OrganizationFilter.asks_anything(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


@extend_schema_view(
    list=extend_schema(
        summary="The directory",
        description="Listed, verified organisations and the caller's own; filter with the query parameters.",
        parameters=[SCOPE_PARAMETER, *FILTER_PARAMETERS],
    ),
    retrieve=extend_schema(summary="One organisation's profile, as far as the caller may see it"),
    update=extend_schema(summary="Replace a profile (its editors and owners)"),
    partial_update=extend_schema(summary="Change part of a profile (its editors and owners)"),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, SharedListViewSet):
    serializer_class = OrganizationSerializer
    permission_classes = [OrganizationAccess]
    filter_backends = [DirectoryFilterBackend]
    filterset_class = OrganizationFilter
    lookup_field = "slug"
    queryset = Organization.objects.none()  # for the schema; requests use get_queryset
    model = Organization
    list_label = "api-organizations"
    _unlisted_own: list[int] | None = None  # the caller's own organisations the directory scope adds (listed)

    def listed(self) -> OrganizationQuerySet:
        scope = self.request.query_params.get("scope", "directory")
        if scope == "all":
            return cast("OrganizationQuerySet", super().listed())
        if scope != "directory":
            raise exceptions.ValidationError({"scope": [_("Choose “directory” or “all”.")]})
        # The listed ones, and the person's own that are not listed, looked up first by their ids: most people's
        # organisations are listed, and "listed" alone lets the count and the page use the directory's partial
        # indexes, where "listed OR one of mine" reads every row (bench/pages.py, api_organizations@member).
        # Which of them are unlisted is the same for everyone who asks of the same organisations: shared. What this
        # reader may see of them is still the rule's, in the query returned.
        own = viewer_of(self.request.user).organizations()
        unlisted_own = (
            cached_public(
                f"unlisted-among:{digest(own)}",
                lambda: list(Organization.objects.filter(pk__in=own).exclude(LISTED).values_list("pk", flat=True)),
            )
            if own
            else []
        )
        self._unlisted_own = unlisted_own
        narrowed = LISTED | Q(pk__in=unlisted_own) if unlisted_own else LISTED
        return cast("OrganizationQuerySet", unbuilt(Organization, lambda: self.visible().filter(narrowed)))

    def visible(self) -> OrganizationQuerySet:
        return Organization.objects.visible_to(self.request.user).with_directory_data().order_by("name", "pk")

    def list_name(self) -> str:
        """The list is the same for every caller the rule treats alike who asks with the same filters and has the
        same unlisted organisations of their own (a coordinator's rule does not name them)."""
        return f"{super().list_name()}:{digest(self._unlisted_own)}"

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        editor = self.request.user
        if not editor.is_authenticated:  # OrganizationAccess lets only signed-in people change a profile
            raise exceptions.NotAuthenticated
        organization = serializer.instance
        assert isinstance(organization, Organization)  # an update: DRF built the serializer on get_object()
        before = services.snapshot(organization)
        changes = dict(serializer.validated_data)
        topics, governorates = changes.pop("topics", None), changes.pop("governorates", None)
        for name, value in changes.items():
            setattr(organization, name, value)
        services.save_profile(editor, organization, before, topics=topics, governorates=governorates)
