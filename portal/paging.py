"""Pages of long lists of wide rows.

A page of events sorted by date, out of thousands, made PostgreSQL sort the thousands with all their columns (the
texts in six languages) to keep twenty-five: two thirds of the query (bench/pages.py, events_list@member and
api_events@member at 20,000 events). `NarrowPaginator` sorts only the ids, then reads the page's rows by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet


def rows_in_order(queryset: QuerySet[Any], limit: slice) -> list[Any]:
    """The rows of `queryset` in `limit` (a slice of its order), sorted on their ids alone and then read by id."""
    ids = list(queryset.values_list("pk", flat=True)[limit])
    by_id: dict[Any, Model] = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids]


class NarrowPaginator(Paginator):
    """A paginator of a queryset whose pages are read by `rows_in_order`."""

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if not isinstance(self.object_list, QuerySet):
            raise TypeError("NarrowPaginator pages a queryset")
        rows: Sequence[Any] = rows_in_order(self.object_list, slice(bottom, top))
        return Page(rows, number, self)
