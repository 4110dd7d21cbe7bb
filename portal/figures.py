"""The live figures on the home page, counted from the data."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Event
from newsletters.models import Edition
from organizations.models import Organization

# Counting the whole directory costs tens of milliseconds at 20,000 organisations, on every visit to the
# home page; figures a few minutes old are still true enough (bench/pages.py measured the difference).
FIGURES_SECONDS = 300


def _count_listed() -> dict[str, int]:
    return Organization.objects.listed().figures()


def home_figures() -> list[dict[str, object]]:
    counts = cache.get_or_set("portal:home-figures", _count_listed, FIGURES_SECONDS)
    # What anyone may see, whoever asks: the home page is the same for every visitor.
    upcoming = Event.objects.visible_to(None).upcoming().count()
    return [
        {"value": counts["organizations"], "label": _("organisations in the directory")},
        {"value": counts["countries"], "label": _("countries where they are based")},
        {"value": upcoming, "label": _("upcoming public events"), "url": reverse("events:list")},
    ]


def latest_edition() -> Edition | None:
    """The most recently published bulletin edition, for the home page."""
    editions = Edition.objects.published().select_related("publication")
    return editions.order_by(F("published_on").desc(nulls_last=True), "-pk").first()
