"""Pages read by sorting ids alone (portal/paging.py) hold the same rows, in the same order, as plain pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from events.models import Event
from portal.paging import NarrowPaginator, rows_in_order, unbuilt
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events() -> None:
    start = timezone.now() + datetime.timedelta(days=3)
    # Two events at each time, so that the order between equals comes from the tie-breaker.
    for day in range(7):
        for _twice in range(2):
            EventFactory(
                starts_at=start + datetime.timedelta(days=day), ends_at=start + datetime.timedelta(days=day, hours=3)
            )


@pytest.mark.parametrize("orphans", [0, 2])
def test_every_page_is_the_plain_page(events: None, orphans: int) -> None:
    ordered = Event.objects.select_related("owner").order_by("starts_at", "-pk")
    plain, narrow = Paginator(ordered, 4, orphans=orphans), NarrowPaginator(ordered, 4, orphans=orphans)

    assert narrow.num_pages == plain.num_pages
    for number in plain.page_range:
        assert [event.pk for event in narrow.page(number)] == [event.pk for event in plain.page(number)]
    assert narrow.get_page("not a number").number == 1 and narrow.get_page(99).number == plain.num_pages


def test_a_page_reads_its_total_with_its_ids_and_counts_apart_only_past_the_end(events: None) -> None:
    ordered = Event.objects.order_by("starts_at", "-pk")

    with CaptureQueriesContext(connection) as reading:
        page = NarrowPaginator(ordered, 4).get_page(2)
    with CaptureQueriesContext(connection) as past_the_end:
        last = NarrowPaginator(ordered, 4).get_page(99)

    assert len(reading) == 1 and page.paginator.count == 14 and page.has_next()
    assert last.number == 4 and len(last) == 2 and len(past_the_end) == 3  # ids, count, the last page's ids
    empty = NarrowPaginator(Event.objects.none(), 4).get_page(1)
    assert empty.number == 1 and len(empty) == 0
    # A number past what the database can offset is the last page too, not an error.
    assert NarrowPaginator(ordered, 4).get_page("9" * 26).number == 4


def test_rows_in_order_keeps_the_order_and_what_is_joined(events: None) -> None:
    ordered = Event.objects.select_related("owner").order_by("-starts_at", "pk")

    rows = rows_in_order(ordered, slice(3))

    assert [row.pk for row in rows] == list(ordered.values_list("pk", flat=True)[:3])
    assert all("owner" in row._state.fields_cache for row in rows)


def test_only_a_queryset_is_paged_this_way() -> None:
    with pytest.raises(TypeError):
        NarrowPaginator([1, 2, 3], 2).page(1)


def test_a_shared_page_is_sorted_and_counted_once_for_every_reader_of_its_name(events: None) -> None:
    ordered = Event.objects.order_by("starts_at", "-pk")
    first = NarrowPaginator(ordered, 4, shared_as="events-test").get_page(2)

    with CaptureQueriesContext(connection) as again:
        second = NarrowPaginator(ordered, 4, shared_as="events-test").get_page(2)

    assert (
        [event.pk for event in second]
        == [event.pk for event in first]
        == [event.pk for event in Paginator(ordered, 4).page(2)]
    )
    assert second.paginator.count == 14 and second.paginator.num_pages == 4
    # Only the public stamp is read, and the rows by id; no events are counted or sorted again.
    sql = [query["sql"] for query in again.captured_queries]
    assert not any("COUNT" in statement or "ORDER BY" in statement for statement in sql), sql


def test_a_shared_page_follows_a_change_at_once_and_names_are_never_mixed(events: None) -> None:
    ordered = Event.objects.order_by("starts_at", "-pk")
    before = [event.pk for event in NarrowPaginator(ordered, 4, shared_as="events-test").get_page(1)]
    # Another list under another name is its own, even with the same slice.
    reversed_page = NarrowPaginator(ordered.reverse(), 4, shared_as="events-reversed").get_page(1)

    earliest = EventFactory(starts_at=timezone.now() + datetime.timedelta(days=1))
    after = NarrowPaginator(ordered, 4, shared_as="events-test").get_page(1)

    assert [event.pk for event in reversed_page] != before
    assert [event.pk for event in after] == [earliest.pk, *before[:3]]
    assert after.paginator.count == 15


def test_rows_in_order_shares_its_ids_by_name_and_language(events: None) -> None:
    ordered = Event.objects.order_by("starts_at", "pk")
    with translation.override("en"):
        english = [row.pk for row in rows_in_order(ordered, slice(3), shared_as="events-test")]
    with translation.override("ar"):
        # Another language may sort otherwise (by a translated name): read apart, not taken from the English.
        with CaptureQueriesContext(connection) as arabic_reading:
            arabic = [row.pk for row in rows_in_order(ordered.reverse(), slice(3), shared_as="events-test")]

    assert english == list(ordered.values_list("pk", flat=True)[:3])
    assert arabic == list(ordered.reverse().values_list("pk", flat=True)[:3])
    assert any("ORDER BY" in query["sql"] for query in arabic_reading.captured_queries)


def test_a_shared_list_builds_its_query_only_when_a_page_is_read_again(events: None) -> None:
    built: list[int] = []

    def build() -> QuerySet[Event]:
        built.append(1)
        return Event.objects.order_by("starts_at", "-pk")

    first = NarrowPaginator(unbuilt(Event, build), 4, shared_as="events-test").get_page(2)
    again = NarrowPaginator(unbuilt(Event, build), 4, shared_as="events-test").get_page(2)
    assert len(built) == 1  # the first reader's, for the total and the ids; the second reads them shared

    assert [event.pk for event in again] == [event.pk for event in first]  # the rows, read by id, build it
    assert len(built) == 2 and again.paginator.count == 14
    EventFactory(starts_at=timezone.now() + datetime.timedelta(days=1))
    assert NarrowPaginator(unbuilt(Event, build), 4, shared_as="events-test").count == 15
    # Unshared, it is built at once, as any queryset is used.
    assert [event.pk for event in NarrowPaginator(unbuilt(Event, build), 4).page(1)] == [
        event.pk for event in Paginator(build(), 4).page(1)
    ]
