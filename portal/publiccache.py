"""Public pages from the shared cache, never older than the data.

An anonymous visitor's GET is answered from the cache (Redis in production, local memory on the embedded default)
under a key that holds the *public stamp*: a random value the database replaces whenever a transaction that wrote
to a table feeding public output commits. The stamp is changed by database triggers, in the same transaction as
the write, so it holds for every route that writes (pages, the API, the admin, imports, management commands, bulk
`update()` and `bulk_create()`, raw SQL): the first request after the commit reads the new stamp and misses. A
time-to-live only bounds the cache's memory; it is never what makes a page current.

On PostgreSQL the trigger is a deferred constraint trigger: it runs at commit, once per transaction, so the stamp
row is locked only for the instant of the commit (no writer waits on another's whole transaction, and no deadlock
can form around it). On SQLite, which writes one transaction at a time, a plain row trigger does the same.

Which tables feed public output: every table of the project's own apps, unless its model says otherwise with
`feeds_public_pages = False` (the delivery ledger, the audit log: written all the time, never shown to the public),
and except the columns a model lists in `public_cache_ignores` (a person's last login). The default is to count a
table in: forgetting a table costs a needless miss, never a stale page.

What is never stored: responses to requests with a session or any cookie but the harmless ones, to requests with
credentials, anything but a 200, streaming responses, responses that set a cookie (a CSRF token rendered into a
form does: such pages stay uncached) or say `Cache-Control: private/no-cache/no-store` (pages behind a secret
link use `never_cache`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port

STAMP_TABLE = "portal_publicstamp"
TRIGGER = "public_stamp"
TRUNCATE_TRIGGER = "public_stamp_truncate"
# Cookies that carry nothing personal: a visitor who has only these is anonymous to the cache.
HARMLESS_COOKIES = {"csrftoken", settings.LANGUAGE_COOKIE_NAME}
# Request headers the same address may answer differently to (DRF's format negotiation, htmx fragments).
KEY_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_HX_REQUEST")
# The schema and its docs depend on the code, not the data.
NEVER = ("/admin/", "/healthz", "/media/", "/static/", "/api/schema/", "/api/docs/")
# Bounds the cache's memory, nothing else: the stamp makes an entry obsolete the moment the data changes, and the
# minute in its key a minute later; an obsolete entry is never read again, so it need not outlive its minute.
ENTRY_SECONDS = 120

T = TypeVar("T")


def current_stamp() -> str | None:
    """The public stamp as committed now (a missing row, after a flush, reads as "0"); None where the database
    has no stamp (not migrated yet), and then nothing is cached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {STAMP_TABLE} WHERE id = 1")  # noqa: S608 - a constant
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return row[0] if row else "0"


def public_key(name: str) -> str | None:
    """A cache key that changes with the public stamp, and with the minute: what time alone changes (an event
    becomes past, an endorsement window closes) is never more than a minute behind the clock."""
    stamp = current_stamp()
    return None if stamp is None else f"public:{stamp}:{int(time.time() // 60)}:{name}"


def cached_public(name: str, compute: Callable[[], T]) -> T:
    """`compute()` cached until the public data changes: for figures shared by every visitor of a page."""
    key = public_key(name)
    # The cache gives back what compute() returned (django-stubs types it as Any | None).
    return compute() if key is None else cast("T", cache.get_or_set(key, compute, ENTRY_SECONDS))


# The triggers ------------------------------------------------------------------------------------------------


def public_tables() -> dict[str, list[str]]:
    """Tables that feed public output, each with the columns whose change does not count ([] for none)."""
    base = str(Path(settings.BASE_DIR).resolve())
    tables: dict[str, list[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        owner = model._meta.auto_created or model
        path = str(Path(model._meta.app_config.path).resolve())
        if not path.startswith(base) or "site-packages" in path or not model._meta.managed:
            continue
        if not getattr(owner, "feeds_public_pages", True) or model._meta.db_table == STAMP_TABLE:
            continue
        ignored = set(getattr(model, "public_cache_ignores", ()))
        tables[model._meta.db_table] = [
            field.column for field in model._meta.concrete_fields if field.column and field.name in ignored
        ]
    return tables


def install_triggers(using: str = "default") -> None:
    """(Re)create the stamp's triggers on every public table; run after each `migrate`. Safe to run twice."""
    connection = connections[using]
    tables = public_tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor, tables, connection)
        elif connection.vendor == "sqlite":
            _install_sqlite(cursor, tables)


def _install_postgresql(cursor: Any, tables: dict[str, list[str]], connection: Any) -> None:
    # Identifiers below come from the models' own table and column names, never from input.
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION portal_bump_public_stamp() RETURNS trigger AS $$
        DECLARE
            this_statement text := txid_current()::text || ' ' || statement_timestamp()::text;
        BEGIN
            -- Once per statement of a transaction, which for deferred triggers is its COMMIT: the first trigger
            -- replaces the stamp, the others find it done.
            IF current_setting('portal.public_stamp_bumped', true) IS DISTINCT FROM this_statement THEN
                PERFORM set_config('portal.public_stamp_bumped', this_statement, true);
                INSERT INTO {STAMP_TABLE} (id, value) VALUES (1, md5(random()::text || clock_timestamp()::text))
                ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
            END IF;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """  # noqa: S608
    )
    for table, ignored in tables.items():
        quoted = connection.ops.quote_name(table)
        columns = [
            column.name
            for column in connection.introspection.get_table_description(cursor, table)
            if column.name not in ignored
        ]
        update = "UPDATE OF " + ", ".join(connection.ops.quote_name(column) for column in columns)
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}")
        cursor.execute(
            f"CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR DELETE OR {update} ON {quoted} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION portal_bump_public_stamp()"
        )
        # Constraint triggers do not see TRUNCATE; it is rare enough to bump at once.
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {TRUNCATE_TRIGGER} AFTER TRUNCATE ON {quoted} "
            "FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_public_stamp()"
        )


def _install_sqlite(cursor: Any, tables: dict[str, list[str]]) -> None:
    bump = f"INSERT OR REPLACE INTO {STAMP_TABLE} (id, value) VALUES (1, lower(hex(randomblob(16))))"  # noqa: S608
    for table, ignored in tables.items():
        cursor.execute(f'PRAGMA table_info("{table}")')
        columns = [row[1] for row in cursor.fetchall() if row[1] not in ignored]
        for event in ("INSERT", "DELETE", "UPDATE OF " + ", ".join(f'"{column}"' for column in columns)):
            name = f"{TRIGGER}_{table}_{event.split()[0].lower()}"
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            cursor.execute(f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN {bump}; END')


def installed_tables(using: str = "default") -> set[str]:
    """The tables that carry the stamp's trigger now (for the test that every public table does)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s", [TRIGGER])
            return {row[0].strip('"') for row in cursor.fetchall()}
        cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
        return {row[0] for row in cursor.fetchall()}


# The middleware ----------------------------------------------------------------------------------------------


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.path.startswith(NEVER):
        return False
    if "HTTP_AUTHORIZATION" in request.META or set(request.COOKIES) - HARMLESS_COOKIES:
        return False
    return True


def _storable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    return not any(word in control for word in ("private", "no-cache", "no-store"))


def _key(request: HttpRequest) -> str | None:
    varying = "|".join(request.META.get(header, "") for header in KEY_HEADERS)
    # The host without its port: the processes behind one proxy listen on different ports and serve one site.
    host, _port = split_domain_port(request.get_host())
    digest = hashlib.sha256(f"{host}|{request.get_full_path()}|{varying}".encode()).hexdigest()
    return public_key(f"page:{digest}")


class PublicPageCacheMiddleware:
    """Answers anonymous GET and HEAD requests from the shared cache, keyed by the public stamp."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.PUBLIC_PAGE_CACHE or not _cacheable_request(request):
            return self.get_response(request)
        key = _key(request)
        if key is None:
            return self.get_response(request)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Public-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        # Template responses are rendered by the time they come back through middleware.
        if request.method == "GET" and _storable(response):
            cache.set(key, response, ENTRY_SECONDS)
        return response
