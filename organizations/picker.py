"""Choosing organisations among thousands: inviting them to an event, or by name to a consultation.

Four pieces, used together by a page:

- `OrganizationPicker`, the filters (the directory's, and membership of a network, and what the apps above
  contribute), over `candidates(who)`: the organisations the rule lets the person see, verified and not hidden;
- the template includes `organizations/includes/picker_filters.html` (a GET form) and
  `organizations/includes/picker_results.html` (the results to tick, and the filters again as hidden fields, so
  that the page's POST form can act on "all N matching");
- `PickedForm`, the page's POST form: the organisations ticked, or all those the filters match;
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
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from organizations import signals
from organizations.filters import OrganizationFilter
from organizations.models import Organization, OrganizationQuerySet, unhidden_q
from portal.access import Viewer, viewer_of
from portal.forms import field_of

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


class PickedForm(forms.Form):
    """The organisations ticked among the picker's results, or all those its filters match (`matching`): what a
    page's POST form acts on. `candidates` are those that may be ticked; any other id is an error."""

    ALL = "all"

    organizations = forms.ModelMultipleChoiceField(Organization.objects.none(), required=False)
    # Which button: the ticked organisations (also when none is named, as when Enter is pressed) or all matching.
    invite = forms.ChoiceField(
        choices=[("chosen", _("The ticked organisations")), (ALL, _("All those matching"))], required=False
    )

    def __init__(self, *args: Any, candidates: Any, matching: Any, filtered: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "organizations", forms.ModelChoiceField).queryset = candidates
        self.matching = matching
        self.filtered = filtered

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("invite") == self.ALL and not self.filtered:
            # Every organisation at once is never one click away: "all" means all those a filter selects.
            raise ValidationError(_("Choose a filter before inviting all those matching."), code="unfiltered")
        if cleaned.get("invite") != self.ALL and not cleaned.get("organizations"):
            raise ValidationError(_("Tick the organisations to invite, or invite all those matching."), code="empty")
        return cleaned

    def selected(self) -> Any:
        return self.matching if self.cleaned_data["invite"] == self.ALL else self.cleaned_data["organizations"]
