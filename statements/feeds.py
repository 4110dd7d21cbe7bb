"""The Atom feed of published statements, in the language of its address (/<lang>/statements/feed/)."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from portal.access import ANONYMOUS
from statements.models import Statement

FEED_SIZE = 50


class StatementFeed(Feed):
    feed_type = Atom1Feed
    title = _("Open letters and joint statements")
    subtitle = _("Statements published on the Civil Society Coordination Portal, with the number of endorsers.")
    description_template = "statements/feed_description.html"

    def link(self) -> str:
        return reverse("statements:list")

    def items(self) -> QuerySet[Statement]:
        # A feed is read by anyone it is passed on to: what the public may see, whoever fetches it.
        return (
            Statement.objects.visible_to(ANONYMOUS)
            .published()
            .select_related("owner")
            .order_by("-published_on", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Statement) -> str:
        return item.version.title

    def item_author_name(self, item: Statement) -> str:
        return str(item.owner.name)

    def item_pubdate(self, item: Statement) -> datetime.datetime | None:
        if item.published_on is None:  # never: the feed lists published statements, which all have the date
            return None
        return datetime.datetime.combine(item.published_on, datetime.time.min, tzinfo=datetime.UTC)

    def item_updateddate(self, item: Statement) -> datetime.datetime:
        return item.updated_at
