"""The live figures on the home page, counted from the data."""

from __future__ import annotations

from typing import cast

from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Event
from newsletters.models import Edition
from organizations.models import Organization

# Counting the whole directory and calendar costs tens of milliseconds at 20,000 organisations and 2,000 events,
# on every visit to the home page; figures a few minutes old are still true enough (bench/pages.py).
FIGURES_SECONDS = 300


def _count_public() -> dict[str, int]:
    # What anyone may see, whoever asks: the home page is the same for every visitor.
    return {
        **Organization.objects.listed().figures(),
        "upcoming_events": Event.objects.visible_to(None).upcoming().count(),
    }


def home_figures() -> list[dict[str, object]]:
    # The cache holds what _count_public returned (django-stubs types anything it gives back as Any | None).
    counts = cast("dict[str, int]", cache.get_or_set("portal:home-figures", _count_public, FIGURES_SECONDS))
    return [
        {"value": counts["organizations"], "label": _("organisations in the directory")},
        {"value": counts["countries"], "label": _("countries where they are based")},
        {"value": counts["upcoming_events"], "label": _("upcoming public events"), "url": reverse("events:list")},
    ]


def latest_edition() -> Edition | None:
    """The most recently published bulletin edition, for the home page."""
    editions = Edition.objects.published().select_related("publication")
    return editions.order_by(F("published_on").desc(nulls_last=True), "-pk").first()
