"""The live figures on the home page, counted from the data."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import Event
from newsletters.models import Edition
from organizations.models import Organization
from portal.access import ANONYMOUS
from portal.publiccache import cached_public


def _count_public() -> dict[str, int]:
    # What anyone may see, whoever asks: the home page is the same for every visitor.
    return {
        **Organization.objects.listed().figures(),
        "upcoming_events": Event.objects.visible_to(ANONYMOUS).upcoming().count(),
    }


def home_figures() -> list[dict[str, object]]:
    # Counting the whole directory and calendar costs tens of milliseconds at 20,000 organisations: counted once
    # per change of the public data (and per minute, for what time alone moves, such as "upcoming").
    counts = cached_public("home-figures", _count_public)
    return [
        {"value": counts["organizations"], "label": _("organisations in the directory")},
        {"value": counts["countries"], "label": _("countries where they are based")},
        {"value": counts["upcoming_events"], "label": _("upcoming public events"), "url": reverse("events:list")},
    ]


def latest_edition() -> Edition | None:
    """The most recently published bulletin edition, for the home page (public, whoever asks: read once per change
    of the public data)."""
    editions = Edition.objects.published().select_related("publication")
    return cached_public("latest-edition", editions.order_by(F("published_on").desc(nulls_last=True), "-pk").first)
