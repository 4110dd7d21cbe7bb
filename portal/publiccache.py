"""Public pages from the shared cache, never older than the data.

An anonymous visitor's GET is answered from the cache (Redis in production, local memory on the embedded default)
under a key that holds the *public stamp*: a random value the database replaces whenever a transaction that wrote
to a table feeding public output commits. The stamp is changed by database triggers, in the same transaction as
the write, so it holds for every route that writes (pages, the API, the admin, imports, management commands, bulk
`update()` and `bulk_create()`, raw SQL): the first request after the commit reads the new stamp and misses. A
time-to-live only bounds the cache's memory; it is never what makes a page current. Entries also carry the minute
they were computed in, for what time alone changes; when it turns, one request recomputes while the others are
served the same stamp's entry, and after a change the others wait for the one computing rather than all
computing at once (`through_public_cache`). Each process also keeps a copy of the entries it used last, for the
minute they are fresh in (`_LocalEntries`): under a stamp, nothing newer can be in the shared cache meanwhile.

On PostgreSQL the trigger is a deferred constraint trigger: it runs at commit, once per transaction, so the stamp
row is locked only for the instant of the commit (no writer waits on another's whole transaction, and no deadlock
can form around it). On SQLite, which writes one transaction at a time, a plain row trigger does the same.

Which tables feed public output: every table of the project's own apps, unless its model says otherwise with
`feeds_public_pages = False` (the delivery ledger, the audit log: written all the time, never shown to the public),
and except the columns a model lists in `public_cache_ignores` (a person's last login); and the tables of other
apps in `OTHER_TABLES`. The default is to count a table in: forgetting a table costs a needless miss, never a stale
page. Since the stamp covers every table of the project's own, what signed-in people see may be shared under it
too (a person's Viewer, events.models.viewer_for), as long as what decides who may see it is in the key.

What is never stored: responses to requests with a session or any cookie but the harmless ones, to requests with
credentials, anything but a 200, streaming responses, responses that set a cookie (a CSRF token rendered into a
form does: such pages stay uncached) or say `Cache-Control: private/no-cache/no-store` (pages behind a secret
link use `never_cache`). A page is stored as its bytes and headers (`StoredPage`), and keyed by host, path and
query, the headers in `KEY_HEADERS` and the language cookie.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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
# Bounds the cache's memory, nothing else: the stamp makes an entry obsolete the moment the data changes. While the
# stamp holds, an entry computed in an earlier minute is still served while one request recomputes it (see
# through_public_cache); kept ten minutes, a page read now and then is found again rather than computed while
# every other reader waits (a letter of 120,000 endorsements takes a second).
ENTRY_SECONDS = 600
# How long one request may hold the right to compute an entry (beyond gunicorn's timeout: a dead worker's claim
# lapses), and how long the others wait for it when there is nothing to serve meanwhile.
COMPUTING_SECONDS = 40
WAIT_SECONDS = 5.0
WAIT_STEP_SECONDS = 0.005

# What one process keeps of the entries it read or wrote last (`_LocalEntries`), in pickled bytes.
LOCAL_BYTES = 32 * 1024 * 1024

# Tables of other apps that cached values are read from, with the columns that do not count: whether a person has
# an authenticator app decides their powers (organizations.models.read_viewer); when they last used it does not.
OTHER_TABLES = {"mfa.Authenticator": ("last_used_at", "data")}

T = TypeVar("T")


# The stamp a request has read, kept for its other shared values until it writes (`one_stamp_per_request`).
_request_stamp: ContextVar[list[str | None] | None] = ContextVar("portal_request_stamp", default=None)


def current_stamp() -> str | None:
    """The public stamp as committed now (a missing row, after a flush, reads as "0"); None where the database
    has no stamp (not migrated yet), and then nothing is cached. Within `one_stamp_per_request`, as first read."""
    kept = _request_stamp.get()
    if kept:
        return kept[0]
    stamp = _read_stamp()
    if kept is not None:
        kept.append(stamp)
    return stamp


@contextmanager
def one_stamp_per_request() -> Iterator[None]:
    """Read the stamp once for the values a request shares, and again after each statement that is not a SELECT:
    what a request reads after its own write must be under the stamp of that write. A change another process
    commits meanwhile is as if it came after this request, which it overlaps; an entry computed after it and kept
    under the stamp read before it is newer than its stamp, never older."""
    kept: list[str | None] = []

    def forget_on_write(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if sql.lstrip()[:6].upper() != "SELECT":
            kept.clear()
        return execute(sql, *args)

    token = _request_stamp.set(kept)
    try:
        with connection.execute_wrapper(forget_on_write):
            yield
    finally:
        _request_stamp.reset(token)


# The stamp as a column of another statement: a request's first read (its person, portal.auth_backends) carries it.
STAMP_COLUMN = f"(SELECT value FROM {STAMP_TABLE} WHERE id = 1)"  # noqa: S608 - a constant


def stamp_unread() -> bool:
    """Whether this request shares values under the stamp and has not read it yet: a statement it runs now may
    read the stamp alongside (STAMP_COLUMN) and hand it to `keep_stamp`, saving a round trip."""
    kept = _request_stamp.get()
    return kept is not None and not kept


def keep_stamp(value: str | None) -> None:
    """The stamp as read alongside a statement of this request, kept as `current_stamp` would have kept it (read
    earlier, never later, than it would have been: an entry kept under it is never older than it)."""
    kept = _request_stamp.get()
    if kept is not None and not kept:
        kept.append("0" if value is None else value)


def _read_stamp() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {STAMP_TABLE} WHERE id = 1")  # noqa: S608 - a constant
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return row[0] if row else "0"


def in_transaction() -> bool:
    """Whether the default connection is inside a transaction of the portal's own (not the one a test wraps around
    itself). Its writes are not in the stamp until it commits (the trigger is deferred), and may never be: what is
    read there is neither served from the cache nor stored in it."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _minute() -> int:
    return int(time.time() // 60)


class _LocalEntries:
    """This process's copies of the shared entries it used last, for the minute they are fresh in. A key names a
    stamp, and within a minute an entry under it is not replaced (see through_public_cache), so a copy is as good
    as the shared cache's and saves the round trip to it: a signed-in page reads several (the person's Viewer,
    the site menu, its fragments and figures). Kept pickled, as the shared cache keeps them, so that no caller
    shares an object with another; the least recently used go first beyond LOCAL_BYTES."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.entries: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, minute: int) -> tuple[int, bool, Any] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] != minute:
                return None
            self.entries.move_to_end(key)
        return cast("tuple[int, bool, Any]", pickle.loads(found[1]))  # noqa: S301 - bytes this process pickled

    def put(self, key: str, entry: tuple[int, bool, Any]) -> None:
        if not self.limit:
            return
        data = pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            old = self.entries.pop(key, None)
            self.size += len(data) - (len(old[1]) if old else 0)
            self.entries[key] = (entry[0], data)
            while self.size > self.limit and self.entries:
                self.size -= len(self.entries.popitem(last=False)[1][1])

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


# Only in front of the portal's Redis cache, whose clear() drops the copies too; local memory, the embedded
# default, is this process's own already.
_local = _LocalEntries(LOCAL_BYTES if settings.CACHES["default"]["BACKEND"] == "portal.rediscache.RedisCache" else 0)


def forget_local_entries() -> None:
    """Drop this process's copies (`cache.clear()` does, portal.rediscache: a rolled-back write brings an old
    stamp back)."""
    _local.clear()


def through_public_cache(name: str, compute: Callable[[], tuple[T, bool]], *, may_store: bool = True) -> T:
    """What `compute()` gives, shared by every request until the public data changes. `compute` returns the
    value and whether it may be shared; with `may_store` False a request only reads what others stored.

    An entry lives under the stamp read *before* computing (so what it holds is never older than its stamp), and
    records the minute it was computed in: what time alone changes (an event becomes past, an endorsement window
    closes) is never more than a minute behind the clock. When the minute turns, one request recomputes while the
    others go on with the entry of the same stamp, behind the clock by a minute at most and never behind the data.
    When the stamp has changed there is nothing to go on with: the others wait briefly for the one computing,
    instead of all computing at once (a burst of visitors right after an open letter is published).
    """
    stamp = None if in_transaction() else current_stamp()
    if stamp is None:
        return compute()[0]
    key = f"public:{stamp}:{name}"
    minute = _minute()
    entry = _local.get(key, minute)  # (minute, shared, value)
    if entry is None:
        entry = cache.get(key)
        if entry is not None and entry[0] == minute:
            _local.put(key, entry)
    fresh = entry is not None and entry[0] == minute
    if fresh and not entry[1]:
        return compute()[0]  # not to be shared this minute (a form with a visitor's token, an error)
    if entry is not None and entry[1] and (fresh or not may_store):
        return cast("T", entry[2])
    if not may_store:
        return compute()[0]
    claim = f"{key}:computing"
    if cache.add(claim, 1, COMPUTING_SECONDS):
        try:
            value, shared = compute()
            entry = (minute, shared, value if shared else None)
            cache.set(key, entry, ENTRY_SECONDS)
            _local.put(key, entry)
        finally:
            cache.delete(claim)
        return value
    if entry is not None and entry[1]:
        return cast("T", entry[2])
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(WAIT_STEP_SECONDS)
        found = cache.get_many([key, claim])
        entry = found.get(key)
        # Once the claim is gone, what is stored is the claimer's (under this stamp, so never behind the data,
        # even if it began in the minute before); nothing stored means it failed, and waiting on helps no one.
        if claim not in found or (entry is not None and entry[0] >= minute):
            return cast("T", entry[2]) if entry is not None and entry[1] else compute()[0]
    return compute()[0]


def digest(value: object) -> str:
    """A short name for what an entry is keyed by (a page's address, the ids of its rows)."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def cached_public(name: str, compute: Callable[[], T]) -> T:
    """`compute()` cached until the public data changes: for figures shared by every visitor of a page."""
    return through_public_cache(name, lambda: (compute(), True))


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
        tables[model._meta.db_table] = _columns(model, ignored)
    for label, ignored_names in OTHER_TABLES.items():
        model = apps.get_model(label)
        tables[model._meta.db_table] = _columns(model, set(ignored_names))
    return tables


def _columns(model: Any, names: set[str]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields if field.column and field.name in names]


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


def _page_name(request: HttpRequest) -> str:
    # The language cookie chooses the language of addresses without a language prefix (the API, feeds).
    varying = "|".join(request.META.get(header, "") for header in KEY_HEADERS)
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    # The host without its port: the processes behind one proxy listen on different ports and serve one site.
    host, _port = split_domain_port(request.get_host())
    digest = hashlib.sha256(f"{host}|{request.get_full_path()}|{varying}|{language}".encode()).hexdigest()
    return f"page:{digest}"


@dataclass(frozen=True)
class StoredPage:
    """A response as stored: its bytes and headers only, which read back faster than a pickled response (an API
    response would carry its data a second time)."""

    content: bytes
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, response: HttpResponse) -> StoredPage:
        return cls(response.content, tuple(response.headers.items()))

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content)
        for header, value in self.headers:
            response.headers[header] = value
        return response


class PublicPageCacheMiddleware:
    """Answers anonymous GET and HEAD requests from the shared cache, keyed by the public stamp."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with one_stamp_per_request():
            return self._answer(request)

    def _answer(self, request: HttpRequest) -> HttpResponse:
        if not settings.PUBLIC_PAGE_CACHE or not _cacheable_request(request):
            return self.get_response(request)
        computed: list[HttpResponse] = []

        def compute() -> tuple[StoredPage | None, bool]:
            response = self.get_response(request)
            computed.append(response)
            # Template responses are rendered by the time they come back through middleware.
            return (StoredPage.of(response), True) if _storable(response) else (None, False)

        stored = through_public_cache(_page_name(request), compute, may_store=request.method == "GET")
        if computed:
            return computed[0]
        assert stored is not None  # only a page that may be shared is read back
        response = stored.response()
        response["X-Public-Cache"] = "hit"
        return response
