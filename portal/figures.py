"""The live figures on the home page, counted from the data."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization


def home_figures() -> list[dict[str, object]]:
    counts = Organization.objects.listed().aggregate(
        organizations=Count("id"), countries=Count("hq_country", distinct=True)
    )
    return [
        {"value": counts["organizations"], "label": _("organisations in the directory")},
        {"value": counts["countries"], "label": _("countries where they are based")},
    ]
