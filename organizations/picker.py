"""Choosing organisations among thousands: inviting them to an event, and (soon) a consultation's audience.

Three pieces, used together by a page:

- `OrganizationPicker`, the filters (the directory's, and membership of a network, and what the apps above
  contribute), over `candidates(who)`: the organisations the rule lets the person see, verified and not hidden;
- the template includes `organizations/includes/picker_filters.html` (a GET form) and
  `organizations/includes/picker_results.html` (the results to tick, and the filters again as hidden fields, so
  that the page's POST form can act on "all N matching");
- static/js/picker.js, which only updates the results as one types: everything works without it.

Filters on relations this app does not know (the signatories of a protocol, the members of a working group, who
attended a series' meetings) come from the apps above it, through the `organizations.signals.picker_filters`
signal: this app imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from organizations import signals
from organizations.filters import OrganizationFilter
from organizations.models import Organization, OrganizationQuerySet, unhidden_q
from portal.access import Viewer, viewer_of

PAGE_SIZE = 50


@dataclass(frozen=True)
class PickerFilter:
    """A filter an app above contributes: its field's name and label, the values offered to this viewer (value,
    label), and how a value narrows the organisations."""

    name: str
    label: Any
    choices: list[tuple[str, str]]
    narrow: Callable[[OrganizationQuerySet, str], QuerySet[Organization]]


def candidates(who: Any) -> OrganizationQuerySet:
    """The organisations a picker offers to `who`: those the rule lets them see, verified, and not hidden."""
    return Organization.objects.visible_to(who).verified().filter(unhidden_q()).order_by("name", "pk")


class OrganizationPicker(OrganizationFilter):
    network = django_filters.ChoiceFilter(
        label=_("Member of the network"), method="filter_network", empty_label=_("Any network")
    )

    class Meta(OrganizationFilter.Meta):
        fields = [*OrganizationFilter.Meta.fields, "network"]

    def __init__(self, data: Any, *, who: Any) -> None:
        self.viewer: Viewer = viewer_of(who)
        super().__init__(data, queryset=candidates(self.viewer))
        networks = Organization.objects.visible_to(self.viewer).filter(kind=Organization.Kind.NETWORK)
        self.filters["network"].extra["choices"] = [(n.slug, n.name) for n in networks.order_by("name")]
        for _receiver, contributed in signals.picker_filters.send(OrganizationPicker, viewer=self.viewer):
            for item in cast("list[PickerFilter]", contributed):
                self.filters[item.name] = django_filters.ChoiceFilter(
                    label=item.label,
                    choices=item.choices,
                    method=lambda queryset, _name, value, narrow=item.narrow: narrow(queryset, value),
                    empty_label=_("(any)"),
                )

    def filter_network(self, queryset: OrganizationQuerySet, name: str, value: str) -> OrganizationQuerySet:
        # Members the member organisation confirmed, as the network's page shows them.
        return queryset.filter(networks_joined__network__slug=value, networks_joined__confirmed=True)

    def matching(self) -> QuerySet[Organization]:
        """The organisations the filters select: every candidate without a filter, none when a filter is invalid
        (so that "all matching" can never mean everyone by mistake)."""
        return (self.qs if self.is_valid() else self.queryset.none()).distinct()

    def chosen(self) -> list[tuple[str, str]]:
        """The filters as chosen, to repeat as hidden fields in a form that acts on all matching organisations."""
        return [(name, str(self.form.data.get(name))) for name in self.filters if self.form.data.get(name)]

    def querystring(self) -> str:
        """The filters as chosen, for the links between pages of results."""
        return urlencode(self.chosen())
