"""Directory search and filters, shared by the directory page and the API."""

from __future__ import annotations

import functools
import hashlib

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from organizations.models import Governorate, Organization, OrganizationQuerySet, Topic
from portal.countries import country_choices
from portal.publiccache import cached_public


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or acronym"), method="filter_search", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Organization.Kind.choices, empty_label=_("Any kind"))
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=country_choices, method="filter_country", empty_label=_("Any country")
    )
    governorate = django_filters.ModelChoiceFilter(
        label=_("Governorate"),
        queryset=Governorate.objects.all(),
        field_name="governorates",
        distinct=False,  # one value of a many-to-many field matches each organisation once
        to_field_name="code",
        empty_label=_("Any governorate"),
    )
    topic = django_filters.ModelChoiceFilter(
        label=_("Focus area"),
        queryset=Topic.objects.all(),
        field_name="topics",
        distinct=False,  # one value of a many-to-many field matches each organisation once
        to_field_name="slug",
        empty_label=_("Any focus area"),
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "country", "governorate", "topic"]

    @property
    def form(self) -> forms.Form:
        """The country list (of the directory page and of the API's form) offers only the countries where listed
        organisations are based or work, in the reader's language order: a list of 249 countries, most of them
        empty, costs every visit to render. Any country still validates, so an address with another one finds
        nothing rather than failing. Worked out only when the form is rendered (never for a JSON answer); the
        form itself is built on first use, so that a subclass may still add filters in its __init__."""
        if not hasattr(self, "_form"):
            super().form.fields["country"].widget.choices = functools.cache(_countries_offered)
        return self._form

    @classmethod
    def public_figures(cls, data: QueryDict) -> dict[str, int]:
        """How many listed organisations the filters in `data` find, in how many countries. Every visitor, signed
        in or not, sees the same listed organisations, so the count is shared until the public data changes: at
        20,000 organisations it was the most expensive query of the directory. Without any filter asked, nothing
        is built but the key (the API's plain list)."""

        def search() -> OrganizationFilter:
            return cls(data, queryset=Organization.objects.listed())

        if cls.asks_anything(data) and not search().is_valid():
            return {"organizations": 0, "countries": 0}
        asked = sorted((name, str(data.get(name, ""))) for name in cls.base_filters)
        digest = hashlib.sha256(repr(asked).encode()).hexdigest()[:32]
        return cached_public(f"directory-figures:{digest}", lambda: search().qs.figures())

    @classmethod
    def asks_anything(cls, data: QueryDict) -> bool:
        """Whether `data` names any of the filters (without one, the filters leave a list as it is)."""
        return any(data.get(name) for name in cls.base_filters)

    def filter_search(self, queryset: OrganizationQuerySet, name: str, value: str) -> OrganizationQuerySet:
        return queryset.search(value)

    def filter_country(self, queryset: OrganizationQuerySet, name: str, value: str) -> OrganizationQuerySet:
        # Countries of operation are stored as comma-separated two-letter codes, so a code matches exactly.
        return queryset.filter(Q(hq_country=value) | Q(countries__contains=value))


def _countries_offered() -> list[tuple[str, str]]:
    used = cached_public("directory-countries", lambda: Organization.objects.listed().countries_in_use())
    return [("", str(_("Any country"))), *country_choices(used)]
