"""The Atom feed of written consultations, in the language of its address (/<lang>/consultations/feed/): each call
for input as it is published, and each "what we heard" as it is published.

A feed is read by anyone it is passed on to: it holds what an anonymous visitor may see, whoever fetches it. Never
a draft, never a submission, and no organisation named but the host: the figures count those who contributed,
and those who asked not to be named, without naming anyone (the quotations are on the summary's page).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from consultations.models import Consultation
from portal.access import ANONYMOUS

FEED_SIZE = 50


@dataclass(frozen=True)
class Entry:
    """One entry: a call for input, or its "what we heard" (`heard`)."""

    consultation: Consultation
    heard: bool

    @property
    def published(self) -> datetime.datetime:
        summary_published = self.consultation.summary_published_at
        return summary_published if self.heard and summary_published else self.consultation.opens_at

    @property
    def text(self) -> str:
        consultation = self.consultation
        return consultation.summary_in(get_language()) if self.heard else consultation.description


class ConsultationFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Written consultations")
    subtitle = gettext_lazy(
        "Calls for written input published on the Civil Society Coordination Portal, and what their hosts heard."
    )
    description_template = "consultations/feed_description.html"

    def link(self) -> str:
        return reverse("consultations:list")

    def items(self) -> list[Entry]:
        public = Consultation.objects.visible_to(ANONYMOUS).select_related("host")
        calls = public.order_by("-opens_at", "-pk")[:FEED_SIZE]
        heard = public.filter(summary_published_at__isnull=False).order_by("-summary_published_at", "-pk")
        entries = [Entry(item, heard=False) for item in calls] + [Entry(item, heard=True) for item in heard[:FEED_SIZE]]
        return sorted(entries, key=lambda entry: entry.published, reverse=True)[:FEED_SIZE]

    def item_title(self, item: Entry) -> str:
        if item.heard:
            return _("What we heard: %(title)s") % {"title": item.consultation.title}
        return item.consultation.title

    def item_link(self, item: Entry) -> str:
        if item.heard:
            return reverse("consultations:heard", args=[item.consultation.slug])
        return item.consultation.get_absolute_url()

    def item_author_name(self, item: Entry) -> str:
        return str(item.consultation.host.name)

    def item_pubdate(self, item: Entry) -> datetime.datetime:
        return item.published

    def item_updateddate(self, item: Entry) -> datetime.datetime:
        return max(item.consultation.updated_at, item.published)
