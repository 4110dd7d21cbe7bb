"""REST API pieces owned by the portal itself: the signed-in person's own account."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.paginator import InvalidPage
from django.db.models import Manager, Model, QuerySet
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.fields import empty
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser

from portal.access import shared_as
from portal.http import AuthenticatedRequest
from portal.links import WebAddressField, validate_web_address
from portal.models import User
from portal.paging import NarrowPaginator, RowsById, unbuilt
from portal.publiccache import cached_public, digest
from portal.text import SingleLineField, single_line


class NarrowPagination(PageNumberPagination):
    """Page-number pages read by sorting ids alone (portal.paging.NarrowPaginator), for lists of wide rows. The
    page's rows are handed over unread (`RowsById`): a list serializer that shares its representation by the
    rows' ids (events.api, organizations.api) reads them only when it has to."""

    django_paginator_class = NarrowPaginator

    def paginate_queryset(  # type: ignore[override]  # the page's rows unread, not a list
        self, queryset: Any, request: Any, view: Any = None
    ) -> RowsById | None:
        # DRF's own, but for `list(self.page)`, which would read every row.
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True  # in the browsable API
        return cast("RowsById", self.page.object_list)


T = TypeVar("T")


def shared_rows(name: str, data: Any, represent: Callable[[Any], T]) -> list[tuple[Any, T]]:
    """Each row of `data` (its pk) with its representation. A page handed over unread (`RowsById`) is represented
    once for every reader of the same rows, in the same language, until the public stamp changes: `represent`
    must not depend on who asks, and what a reader may not see is taken out afterwards. `name` says what else
    the representation depends on (a time zone, a host)."""
    if isinstance(data, RowsById):
        return cached_public(
            f"{name}:{get_language()}:{digest(data.ids)}", lambda: [(row.pk, represent(row)) for row in data]
        )
    rows = data.all() if isinstance(data, Manager) else data
    return [(row.pk, represent(row)) for row in rows]


class SharedPagination(NarrowPagination):
    """Narrow pages of a list the view names for every reader it selects the same rows for,
    `view.shared_as(queryset)` (portal.access.shared_as; None when it cannot): the total and each page's ids are
    then read once for them all until the public data changes, rather than counted and sorted on every request."""

    def paginate_queryset(  # type: ignore[override]  # as NarrowPagination's
        self, queryset: Any, request: Any, view: Any = None
    ) -> RowsById | None:
        shared = view.shared_as(queryset) if view is not None and hasattr(view, "shared_as") else None
        if shared is not None:
            # A class or any callable that builds a paginator from (object_list, per_page) serves.
            self.django_paginator_class = functools.partial(NarrowPaginator, shared_as=shared)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)


def list_name(name: str, request: Any) -> str:
    """`name` with every query parameter of `request` but the page number: what narrows an API list, for
    `shared_as` (parameters that narrow nothing only share less)."""
    params = request.query_params
    return f"{name}:{digest(sorted((key, params.getlist(key)) for key in params if key != 'page'))}"


class SharedListViewSet(viewsets.GenericViewSet):
    """A viewset whose list is the rows of `model` the rule lets the caller see (`visible`), paged by
    SharedPagination: counted and sorted once for every caller the rule treats alike who asks with the same query
    parameters, and its query built only if a page must be read again (portal.paging.unbuilt)."""

    pagination_class = SharedPagination
    model: type[Model]
    list_label: str  # the list's name among the API's, for `shared_as`

    def visible(self) -> QuerySet[Any]:
        """The rows the caller may see, as a list's pages and a row's address select from."""
        raise NotImplementedError

    def listed(self) -> QuerySet[Any]:
        """The rows of the list."""
        return unbuilt(self.model, self.visible)

    def get_queryset(self) -> QuerySet[Any]:
        return self.listed() if self.action == "list" else self.visible()

    def shared_as(self, queryset: QuerySet[Any]) -> str | None:
        """The name of the list's rows for every caller the rule treats alike (portal.access.shared_as); none for
        what else a viewset pages (a statement's endorsers)."""
        if self.action != "list":
            return None
        return shared_as(self.list_name(), queryset, self.request.user)

    def list_name(self) -> str:
        """What names the list's rows but the rule: its label and the query parameters."""
        return list_name(self.list_label, self.request)


class SingleLineCharField(serializers.CharField):
    """A name or title sent to the API, checked as sent (a NUL is refused, as by the forms), then cleaned as its
    model field cleans it (portal.text.single_line) before the serializer's own checks see it: a name of nothing
    but direction controls is an empty one."""

    def run_validation(self, data: Any = empty) -> Any:
        value = super().run_validation(data)
        if isinstance(value, str):
            value = single_line(value)
            if not value and not self.allow_blank:
                self.fail("blank")
        return value


@extend_schema_field({"type": "string", "format": "uri", "pattern": "^https?://"})
class WebAddressCharField(serializers.CharField):
    """A web address sent to the API, checked as the model fields and the forms check it
    (portal.links.validate_web_address); DRF's URLField would take ftp:// and more."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # A ModelSerializer leaves a URLField's validators out, expecting its own URLField to check.
        self.validators.append(validate_web_address)


# For a ModelSerializer's `serializer_field_mapping`: names and titles are cleaned as the model cleans them, web
# addresses checked as the model checks them.
FIELD_MAPPING = {
    **serializers.ModelSerializer.serializer_field_mapping,
    SingleLineField: SingleLineCharField,
    WebAddressField: WebAddressCharField,
}


class MeSerializer(serializers.ModelSerializer):
    serializer_field_mapping = FIELD_MAPPING

    class Meta:
        model = User
        fields = ["email", "full_name", "preferred_language", "date_joined"]
        read_only_fields = ["email", "date_joined"]


class MeView(generics.RetrieveUpdateAPIView):
    """The account of the person making the request."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    # JSON only: a form body that parses into no field at all would otherwise be an accepted empty change.
    parser_classes = [JSONParser]
    http_method_names = ["get", "patch", "head", "options"]
    request: AuthenticatedRequest

    def get_object(self) -> User:
        return self.request.user
