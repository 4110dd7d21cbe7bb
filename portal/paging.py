"""Pages of long lists of wide rows.

A page of events sorted by date, out of thousands, made PostgreSQL sort the thousands with all their columns (the
texts in six languages) to keep twenty-five: two thirds of the query (bench/pages.py, events_list@member and
api_events@member at 20,000 events). `NarrowPaginator` sorts only the ids, then reads the page's rows by id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import Any, TypeVar, cast, overload

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Model, QuerySet, Window
from django.utils.translation import get_language

from portal.publiccache import cached_public

M = TypeVar("M", bound=Model)


def rows_in_order(queryset: QuerySet[Any], limit: slice, *, shared_as: str | None = None) -> RowsById:
    """The rows of `queryset` in `limit` (a slice of its order), sorted on their ids alone and then read by id.
    With `shared_as`, a name for `queryset` shared by the readers it selects the same rows for
    (portal.access.shared_as), the ids are sorted once for them all until the public data changes: in their
    language, which a list may be sorted by (a name)."""

    def ids() -> list[Any]:
        return list(queryset.values_list("pk", flat=True)[limit])

    if shared_as is None:
        return RowsById(queryset, ids())
    return RowsById(queryset, cached_public(f"{shared_as}:{get_language()}:{limit.start}:{limit.stop}", ids))


class Unbuilt:
    """A queryset of `model` that `build()` makes the first time anything but its model is asked of it (see
    `unbuilt`)."""

    def __init__(self, model: type[Model], build: Callable[[], QuerySet[Any]]) -> None:
        self.model = model
        self._build = build

    @cached_property
    def built(self) -> QuerySet[Any]:
        return self._build()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.built, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.built)


def unbuilt(model: type[M], build: Callable[[], QuerySet[M]]) -> QuerySet[M]:
    """The queryset `build()` makes, made only if it is used: a list whose total and page are shared
    (portal.access.shared_as, NarrowPaginator) is read again only after the data changed, and building its query
    (the rule's condition resolved into lookups) was a tenth of a signed-in list's time (bench/README.md, issue 16).
    Its model is known without building it; everything else builds it. It stands in for the queryset, and is
    typed as one."""
    return cast("QuerySet[M]", Unbuilt(model, build))


class RowsById(Sequence[Any]):
    """The rows of `queryset` with these `ids`, in their order, read the first time one is looked at: a page whose
    rendering is shared by the readers of the same rows (`{% public_fragment %}` keyed by the ids) reads none."""

    def __init__(self, queryset: QuerySet[Any], ids: list[Any]) -> None:
        self.queryset = queryset
        self.ids = ids

    @cached_property
    def rows(self) -> list[Any]:
        by_id: dict[Any, Model] = {row.pk: row for row in self.queryset.order_by().filter(pk__in=self.ids)}
        return [by_id[pk] for pk in self.ids if pk in by_id]  # one deleted since its id was read is left out

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if not isinstance(index, int | slice):  # a template's `rows.ids` tries rows["ids"] first: read nothing
            raise TypeError(f"rows are indexed by position, not {index!r}")
        return self.rows[index]


# A page that starts this far is past the end of any list here, and PostgreSQL refuses an offset beyond a bigint.
BEYOND_ANY_TOTAL = 2**62


class NarrowPaginator(Paginator):
    """A paginator of a queryset whose pages are read by sorting ids alone (`rows_in_order`). Given a name the
    queryset is shared as (`shared_as`, see portal.access.shared_as), its total and its pages' ids are read once
    for every reader it selects the same rows for, until the public data changes; otherwise it reads the total
    with the page's ids, in one query (a window over the rows the ids are sorted from), and counts apart only for
    a page past the end."""

    def __init__(self, object_list: Any, per_page: int, orphans: int = 0, *, shared_as: str | None = None) -> None:
        super().__init__(object_list, per_page, orphans)
        self.shared_as = shared_as
        if shared_as is not None:
            # A lambda, not `object_list.count`: on an Unbuilt, reading the method would build the query.
            self.count = cached_public(f"{shared_as}:count", lambda: object_list.count())

    def _check_object_list_is_ordered(self) -> None:
        if not isinstance(self.object_list, Unbuilt):  # asking would build it: it is checked when it is built
            super()._check_object_list_is_ordered()  # type: ignore[misc]  # Django's, not in its stubs

    def get_page(self, number: Any) -> Page:
        # Django's, without counting first: page() reads the total with the ids.
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number: Any) -> Page:
        if not isinstance(self.object_list, QuerySet | Unbuilt):
            raise TypeError("NarrowPaginator pages a queryset")
        queryset = cast("QuerySet[Any]", self.object_list)  # an Unbuilt stands in for one
        if "count" in self.__dict__ or queryset.query.distinct:  # a window counts before DISTINCT
            # Known (or counted apart): validate first, as Django does.
            number = self.validate_number(number)
            return Page(rows_in_order(queryset, self._slice(number), shared_as=self.shared_as), number, self)
        number = self._positive(number)
        bottom = (number - 1) * self.per_page
        rows = (
            list(
                queryset.annotate(_total=Window(Count("*"))).values_list("pk", "_total")[
                    bottom : bottom + self.per_page + self.orphans
                ]
            )
            if bottom < BEYOND_ANY_TOTAL
            else []  # an offset the database cannot take: past the end of any list
        )
        # Past the end there is no row to carry the total: counted apart, to say where the pages end.
        self.count = rows[0][1] if rows else queryset.count()
        number = self.validate_number(number)
        limit = self._slice(number)
        ids = [pk for pk, _total in rows][: limit.stop - limit.start]
        return Page(RowsById(queryset, ids), number, self)

    def _slice(self, number: int) -> slice:
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return slice(bottom, top)

    def _positive(self, number: Any) -> int:
        """`number` as a page number, before the total is known (validate_number checks it against the total)."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number
