"""One row by its key, read with a plain statement built once from the model instead of a query the ORM builds and
compiles on every request: the person of each signed-in request and the row a detail page is about. The ORM spends
0.5 to 1 ms building and compiling `Statement.objects.get(slug=...)`, whose statement takes 0.1 (bench/README.md,
issue 16). The row comes back as the ORM would make it (`Model.from_db`, with the fields' own conversions); what it
does not do is filter through a manager, so it is only for models whose default manager shows every row, and
whoever calls it asks the model's rule next, as they would after `get()`.

A page that only reads its row takes it from the shared cache (`read_for`): every reader of the same row shares it
until the public data changes. The person of a request is read with the public stamp in the same statement
(`read_one_with`, portal.auth_backends), so that a signed-in page that reads nothing else makes one round trip to
the database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connections, models, router
from django.http import HttpRequest

from portal.publiccache import cached_public, digest

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, Any], Any]


def read_one(model: type[M], **key: Any) -> M | None:
    """The row of `model` whose fields equal `key` (the primary key, a unique field, or the fields of a unique
    constraint), or None."""
    found = _read(model, key, "")
    return found[0] if found is not None else None


def read_for(request: HttpRequest, model: type[M], **key: Any) -> M | None:
    """The row a page is about, by `key` as read_one reads it. For reading (GET, HEAD) it is shared by every request
    until the public data changes (portal.publiccache: under the stamp, which every table of the project's own
    renews), sparing each reader a round trip; whoever asks, the rule is asked of it next. A request that changes
    it reads it from the database."""
    if request.method not in ("GET", "HEAD"):
        return read_one(model, **key)
    return cached_public(f"row:{model._meta.label}:{digest(sorted(key.items()))}", lambda: read_one(model, **key))


def read_one_with(model: type[M], alongside: str, **key: Any) -> tuple[M, Any] | None:
    """read_one, and the value of the SQL expression `alongside` (a constant of the code's own, never input) read
    in the same statement: one round trip where a request would make two."""
    return _read(model, key, alongside)


def _read(model: type[M], key: dict[str, Any], alongside: str) -> tuple[M, Any] | None:
    names = tuple(sorted(key))
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql, fields, conversions = _statement(model, names, alias, alongside)
    params = [field.get_db_prep_value(key[name], connection) for name, field in zip(names, fields, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    columns = len(model._meta.concrete_fields)
    values = list(row[:columns])
    for index, column, converters in conversions:
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    instance = model.from_db(alias, [field.attname for field in model._meta.concrete_fields], values)
    return instance, row[columns] if alongside else None


@functools.cache
def _statement(
    model: type[models.Model], names: tuple[str, ...], alias: str, alongside: str = ""
) -> tuple[str, list[Any], list[tuple[int, Any, list[Converter]]]]:
    meta = model._meta
    fields: list[Any] = [meta.pk if name == "pk" else meta.get_field(name) for name in names]
    if not _unique(meta, {field.name for field in fields}):
        raise ValueError(f"{model.__name__}: {', '.join(names)} is not a unique key")
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join([*(quote(field.column) for field in meta.concrete_fields), *([alongside] if alongside else [])])
    where = " AND ".join(f"{quote(field.column)} = %s" for field in fields)
    # Identifiers from the model's own meta; the values are parameters.
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where}"  # noqa: S608
    conversions = []
    for index, field in enumerate(meta.concrete_fields):
        column = field.get_col(meta.db_table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)  # type: ignore[attr-defined]
        if converters:
            conversions.append((index, column, converters))
    return sql, fields, conversions


def _unique(meta: Any, names: set[str]) -> bool:
    if len(names) == 1:
        field = meta.get_field(next(iter(names)))
        if field.unique:
            return True
    together = [set(fields) for fields in meta.unique_together]
    together += [
        set(constraint.fields)
        for constraint in meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None and constraint.fields
    ]
    return names in together
