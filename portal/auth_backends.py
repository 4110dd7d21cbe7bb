"""Django's and allauth's authentication backends, reading the person of each signed-in request with one plain
statement built once from the user model, instead of building and compiling an ORM query every time: it was a
tenth of the time of a signed-in page (bench/README.md, issue 16)."""

from __future__ import annotations

import functools
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connections, router


class _ReadsThePersonDirectly:
    def get_user(self, user_id: Any) -> Any:
        user = read_person(user_id)
        # As Django's: an inactive person has no session.
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_ReadsThePersonDirectly, DjangoModelBackend):
    pass


class AuthenticationBackend(_ReadsThePersonDirectly, AllauthBackend):
    pass


def read_person(pk: Any) -> Any:
    """The user with primary key `pk`, or None: the row the ORM's `get(pk=pk)` would read, as the ORM builds it."""
    model = get_user_model()
    sql, names = _person_statement()
    alias = router.db_for_read(model)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else model.from_db(alias, names, row)


@functools.cache
def _person_statement() -> tuple[str, list[str]]:
    model = get_user_model()
    quote = connections[router.db_for_read(model)].ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    # Identifiers from the model's own meta, the key a parameter.
    sql = f"SELECT {columns} FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    return sql, [field.attname for field in fields]
