"""Anonymous pages come from the shared cache, and a committed change that hides something shows on the very next
request, whatever made it (portal/publiccache.py).

The last tests run the real thing: two gunicorn processes sharing Redis and PostgreSQL, a cache filled through one,
a change committed by each route (a page, the API, the admin, a bulk update, raw SQL), and the next anonymous
response of every page type that showed the canary, through both processes."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from consultations.models import Consultation
from events.models import Event
from newsletters.models import Delivery, Edition
from organizations.models import Audience, Organization
from portal import publiccache
from portal.models import AuditEntry, User
from portal.publiccache import installed_tables, public_tables
from statements.models import Endorsement, Statement
from tests.conftest import make_user, sign_in
from tests.factories import (
    ConsultationFactory,
    EditionFactory,
    EndorsementFactory,
    EventFactory,
    OrganizationFactory,
    StatementFactory,
    with_totp,
)

ROOT = Path(__file__).resolve().parents[2]
CANARY = "Canary Families Association"
STAMP_READ = f"FROM {publiccache.STAMP_TABLE}"


def hit(response: Any) -> bool:
    return response.get("X-Public-Cache") == "hit"


def entry_key(path: str) -> str:
    """The key under which the public cache keeps the test client's anonymous GET of `path` now."""
    return f"public:{publiccache.current_stamp()}:{publiccache._page_name(RequestFactory().get(path))}"


# In one process, inside the test's transaction -------------------------------------------------------------


def test_every_table_that_feeds_public_pages_carries_the_trigger(db: None) -> None:
    tables = public_tables()

    assert set(tables) <= installed_tables()
    assert Organization._meta.db_table in tables and Event._meta.db_table in tables
    # Written all the time and never shown to the public: no trigger, so sending a campaign empties no cache.
    assert Delivery._meta.db_table not in tables and AuditEntry._meta.db_table not in tables
    assert tables[User._meta.db_table] == ["last_login"]
    # Another app's table that a cached value is read from: a person's Viewer (organizations.models.read_viewer).
    assert set(tables[Authenticator._meta.db_table]) == {"last_used_at", "data"}


def test_a_second_anonymous_request_comes_from_the_cache(client: Client, db: None) -> None:
    OrganizationFactory(name_en=CANARY)

    first, second = client.get("/en/organizations/"), client.get("/en/organizations/")

    assert not hit(first) and hit(second)
    assert CANARY in second.content.decode()


def test_signed_in_people_are_never_served_from_the_cache(client: Client, user: User) -> None:
    client.get("/en/statements/")
    client.force_login(user)

    assert not hit(client.get("/en/statements/"))


def test_a_page_whose_form_carries_a_token_is_not_stored(client: Client, db: None) -> None:
    client.get("/en/accounts/login/")

    assert not hit(client.get("/en/accounts/login/"))


def test_a_visitor_with_a_personal_cookie_is_not_served_from_the_cache(client: Client, db: None) -> None:
    client.get("/en/statements/")
    client.cookies["messages"] = "something for this visitor only"

    assert not hit(client.get("/en/statements/"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda org: Organization.objects.filter(pk=org.pk).update(listed_publicly=False), id="update"),
        pytest.param(lambda org: setattr(org, "status", Organization.Status.SUSPENDED) or org.save(), id="save"),
        pytest.param(
            lambda org: connection.cursor().execute(
                "UPDATE organizations_organization SET listed_publicly = %s WHERE id = %s", [False, org.pk]
            ),
            id="raw-sql",
        ),
        pytest.param(lambda org: org.delete(), id="delete"),
    ],
)
def test_a_change_by_any_route_shows_on_the_next_request(client: Client, db: None, change: Callable[..., Any]) -> None:
    organization = OrganizationFactory(name_en=CANARY)
    client.get("/en/organizations/")
    assert hit(client.get("/en/organizations/"))

    change(organization)

    response = client.get("/en/organizations/")
    assert not hit(response) and CANARY not in response.content.decode()


def test_a_new_row_in_bulk_shows_on_the_next_request(client: Client, db: None) -> None:
    statement = StatementFactory()
    url = f"/en/statements/{statement.slug}/"
    client.get(url)
    canary = OrganizationFactory(name_en=CANARY)

    Endorsement.objects.bulk_create(
        [Endorsement(statement=statement, organization=canary, named_publicly=True, naming_consent="owner")]
    )

    assert CANARY in client.get(url).content.decode()


def test_when_the_minute_turns_one_request_recomputes_and_the_others_are_served_meanwhile(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    OrganizationFactory(name_en=CANARY)
    client.get("/en/organizations/")
    name = entry_key("/en/organizations/")
    minute = publiccache._minute()
    monkeypatch.setattr(publiccache, "_minute", lambda: minute + 1)

    cache.add(f"{name}:computing", 1, 30)  # another request is computing this minute's page
    meanwhile = client.get("/en/organizations/")
    cache.delete(f"{name}:computing")
    recomputed, then = client.get("/en/organizations/"), client.get("/en/organizations/")

    assert hit(meanwhile) and CANARY in meanwhile.content.decode()
    assert not hit(recomputed) and hit(then)


def test_after_a_change_the_others_wait_for_the_one_computing(db: None) -> None:
    computed: list[str] = []
    claim = f"public:{publiccache.current_stamp()}:figures:computing"
    cache.add(claim, 1, 30)

    def finish_elsewhere() -> None:
        time.sleep(0.2)
        cache.set(claim.removesuffix(":computing"), (publiccache._minute(), True, "computed elsewhere"), 60)

    other = threading.Thread(target=finish_elsewhere)
    other.start()
    value = publiccache.cached_public("figures", lambda: computed.append("here") or "computed here")
    other.join()
    cache.delete(claim)

    assert value == "computed elsewhere" and computed == []


def waiting_until(monkeypatch: pytest.MonkeyPatch, pauses: int, then: Callable[[], object]) -> list[float]:
    """Replace the waiting loop's pause: after `pauses` of them, `then()` does what the one computing would."""
    waits: list[float] = []

    def pause(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == pauses:
            then()

    monkeypatch.setattr(publiccache.time, "sleep", pause)
    return waits


def test_when_the_one_computing_fails_the_others_compute_at_once(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    claim = f"public:{publiccache.current_stamp()}:figures:computing"
    cache.add(claim, 1, 30)
    waits = waiting_until(monkeypatch, 2, lambda: cache.delete(claim))  # an error: the claim goes, nothing stored

    value = publiccache.cached_public("figures", lambda: "computed here")

    assert value == "computed here" and len(waits) == 2


def test_a_value_computed_by_one_who_began_in_the_minute_before_is_taken_when_it_comes(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = f"public:{publiccache.current_stamp()}:figures:computing"
    cache.add(claim, 1, 30)

    def finish_elsewhere() -> None:
        cache.set(claim.removesuffix(":computing"), (publiccache._minute() - 1, True, "computed elsewhere"), 60)
        cache.delete(claim)

    waits = waiting_until(monkeypatch, 2, finish_elsewhere)

    value = publiccache.cached_public("figures", lambda: "computed here")

    assert value == "computed elsewhere" and len(waits) == 2


def test_within_its_minute_an_entry_is_read_from_the_process_own_copy(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    publiccache.cached_public("figures", lambda: ["computed once"])
    shared_reads: list[str] = []
    monkeypatch.setattr(cache, "get", lambda key, *args: shared_reads.append(key))

    first = publiccache.cached_public("figures", lambda: ["computed again"])
    first.append("changed by its reader")
    second = publiccache.cached_public("figures", lambda: ["computed again"])

    assert second == ["computed once"] and shared_reads == []


def test_a_copy_from_another_minute_or_stamp_is_not_used(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    minute = publiccache._minute()
    publiccache.cached_public("figures", lambda: "this minute")
    monkeypatch.setattr(publiccache, "_minute", lambda: minute + 1)
    stamp = publiccache.current_stamp()
    cache.set(f"public:{stamp}:figures", (minute + 1, True, "computed elsewhere the next minute"), 60)

    assert publiccache.cached_public("figures", lambda: "here") == "computed elsewhere the next minute"
    OrganizationFactory()  # a change: a new stamp
    assert publiccache.cached_public("figures", lambda: "after the change") == "after the change"


def test_clearing_the_cache_drops_the_process_own_copies(db: None) -> None:
    publiccache.cached_public("figures", lambda: "before")
    cache.clear()

    assert publiccache.cached_public("figures", lambda: "after") == "after"


def test_the_process_own_copies_stay_within_their_bound() -> None:
    local = publiccache._LocalEntries(limit=4000)
    for number in range(10):
        local.put(f"key{number}", (1, True, "x" * 1000))

    assert local.size <= 4000 and local.get("key0", 1) is None and local.get("key9", 1) == (1, True, "x" * 1000)


def test_a_page_not_to_be_shared_is_computed_for_each_visitor_without_waiting(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get("/en/accounts/login/")
    name = entry_key("/en/accounts/login/")
    cache.add(f"{name}:computing", 1, 30)
    waits = waiting_until(monkeypatch, 0, lambda: None)

    response = client.get("/en/accounts/login/")
    cache.delete(f"{name}:computing")

    assert not hit(response) and waits == []


def test_the_language_cookie_keeps_its_own_entry(client: Client, db: None) -> None:
    OrganizationFactory(name_en="Families Association", name_ar="رابطة العائلات")
    client.get("/api/v1/organizations/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    arabic = client.get("/api/v1/organizations/")

    assert not hit(arabic) and "رابطة العائلات" in arabic.content.decode()
    assert hit(client.get("/api/v1/organizations/"))


def test_a_stored_api_response_reads_back_as_it_was_sent(client: Client, db: None) -> None:
    OrganizationFactory(name_en=CANARY)
    first, second = client.get("/api/v1/organizations/"), client.get("/api/v1/organizations/")

    assert hit(second) and second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"


def test_home_figures_follow_the_data_at_once(client: Client, db: None) -> None:
    client.get("/en/")
    OrganizationFactory.create_batch(3, hq_country="SY")

    page = client.get("/en/").content.decode()

    assert f"<strong>{Organization.objects.listed().count()}</strong> <span>organisations in the directory" in page


def test_a_request_reads_the_stamp_once_until_it_writes(db: None) -> None:
    with publiccache.one_stamp_per_request():
        with CaptureQueriesContext(connection) as reads:
            first = publiccache.cached_public("figure", lambda: "before")
            publiccache.cached_public("other-figure", lambda: 0)
        OrganizationFactory(name_en=CANARY)  # changes the stamp (immediate in tests)
        after = publiccache.cached_public("figure", lambda: "after")

    assert sum(STAMP_READ in query["sql"] for query in reads.captured_queries) == 1
    assert (first, after) == ("before", "after")


def test_a_signed_in_page_reads_the_stamp_once(client: Client, user: User) -> None:
    sign_in(client, user)
    client.get("/en/")

    with CaptureQueriesContext(connection) as reads:
        client.get("/en/")

    assert sum(STAMP_READ in query["sql"] for query in reads.captured_queries) == 1


# Two gunicorn processes, committed changes ---------------------------------------------------------------------

pytestmark_real = pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")),
    reason="needs PostgreSQL and Redis shared by two processes (CI sets DATABASE_URL and REDIS_URL)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def servers(transactional_db: None) -> Iterator[list[str]]:
    """Two gunicorn processes on the test database, sharing the tests' Redis."""
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "PUBLIC_PAGE_CACHE": "1"}
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(  # noqa: S603 - our own server, on loopback
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "-w", "1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=5)  # noqa: S310 - loopback
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def fetch(url: str) -> tuple[str, bool]:
    """The body of the page at `url` (of its error page too), and whether it came from the cache."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            return response.read().decode(), response.headers.get("X-Public-Cache") == "hit"
    except urllib.error.HTTPError as error:
        return error.read().decode(), False


def _fill(bases: list[str], paths: list[str]) -> None:
    """Every page read once through each process and found in the shared cache on the second reading."""
    for path in paths:
        body, _ = fetch(bases[0] + path)
        assert CANARY in body, path
        again = fetch(bases[1] + path)
        if not again[1]:  # the minute turned between the two readings: the entry was recomputed once
            again = fetch(bases[1] + path)
        assert again == (body, True), path


def _assert_gone(bases: list[str], paths: list[str]) -> None:
    for base in bases:
        for path in paths:
            assert CANARY not in fetch(base + path)[0], (base, path)


# Each world shows the canary on some page types; each change hides it there, by one of several routes.
def world_organization() -> tuple[Organization, list[str]]:
    organization = OrganizationFactory(name_en=CANARY, phone="+41 22 917 1234", phone_visibility=Audience.PUBLIC)
    paths = ["/en/organizations/", f"/en/organizations/{organization.slug}/", "/api/v1/organizations/?format=json"]
    return organization, paths


def world_endorsement() -> tuple[Endorsement, list[str]]:
    endorsement = EndorsementFactory(organization=OrganizationFactory(name_en=CANARY))
    slug = endorsement.statement.slug
    return endorsement, [f"/en/statements/{slug}/", f"/api/v1/statements/{slug}/endorsers/?format=json"]


def world_event() -> tuple[Event, list[str]]:
    event = EventFactory(title_en=CANARY)
    return event, ["/en/events/", f"/en/events/{event.slug}/", f"/en/events/{event.slug}/calendar.ics"]


def world_edition() -> tuple[Edition, list[str]]:
    edition = EditionFactory(title_en=CANARY)
    slug = edition.publication.slug
    return edition, [f"/en/bulletins/{slug}/", f"/en/bulletins/{slug}/{edition.number}/", f"/en/bulletins/{slug}/feed/"]


def world_statement() -> tuple[Statement, list[str]]:
    statement = StatementFactory(title_en=CANARY, status="published", published_on=datetime.date(2026, 11, 1))
    return statement, ["/en/statements/", f"/en/statements/{statement.slug}/", "/en/statements/feed/"]


def world_consultation() -> tuple[Consultation, list[str]]:
    consultation = ConsultationFactory(title_en=CANARY)
    return consultation, ["/en/consultations/", f"/en/consultations/{consultation.slug}/", "/en/consultations/feed/"]


def _raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


CHANGES: dict[str, tuple[Callable[[], tuple[Any, list[str]]], Callable[[Any], Any]]] = {
    "unlist an organisation (save)": (world_organization, lambda o: setattr(o, "listed_publicly", False) or o.save()),
    "suspend an organisation (bulk update)": (
        world_organization,
        lambda o: Organization.objects.filter(pk=o.pk).update(status=Organization.Status.SUSPENDED),
    ),
    "unlist an organisation (raw SQL)": (
        world_organization,
        lambda o: _raw("UPDATE organizations_organization SET listed_publicly = false WHERE id = %s", o.pk),
    ),
    "endorse anonymously (bulk update)": (
        world_endorsement,
        lambda e: Endorsement.objects.filter(pk=e.pk).update(named_publicly=False),
    ),
    "withdraw an endorsement (delete)": (world_endorsement, lambda e: e.delete()),
    "close an event (save)": (world_event, lambda e: setattr(e, "visibility", Event.Visibility.CLOSED) or e.save()),
    "cancel and hide an event (raw SQL)": (
        world_event,
        lambda e: _raw("UPDATE events_event SET status = 'draft' WHERE id = %s", e.pk),
    ),
    "unpublish an edition (bulk update)": (
        world_edition,
        lambda e: Edition.objects.filter(pk=e.pk).update(status=Edition.Status.DRAFT),
    ),
    "withdraw a statement (save)": (world_statement, lambda s: setattr(s, "status", "draft") or s.save()),
    "withdraw a call for input (bulk update)": (
        world_consultation,
        lambda c: Consultation.objects.filter(pk=c.pk).update(status=Consultation.Status.DRAFT),
    ),
}


@pytestmark_real
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_committed_change_shows_through_every_process_at_once(servers: list[str], change: str) -> None:
    build, hide = CHANGES[change]
    target, paths = build()
    _fill(servers, paths)

    hide(target)

    _assert_gone(servers, paths)


@pytestmark_real
def test_a_contact_hidden_through_the_api_is_gone_at_once(servers: list[str]) -> None:
    organization, _paths = world_organization()
    owner = make_user("owner@example.org")
    organization.memberships.create(user=owner, role="owner")
    path = f"/en/organizations/{organization.slug}/"
    _fill(servers, [path])
    assert "+41 22 917 1234" in fetch(servers[1] + path)[0]
    client = Client()
    client.force_login(owner)

    response = client.patch(
        f"/api/v1/organizations/{organization.slug}/",
        {"phone_visibility": Audience.PRIVATE},
        content_type="application/json",
    )

    assert response.status_code == 200
    for base in servers:
        assert "+41 22 917 1234" not in fetch(base + path)[0]


@pytestmark_real
def test_an_organisation_suspended_through_the_admin_is_gone_at_once(servers: list[str]) -> None:
    organization, paths = world_organization()
    _fill(servers, paths)
    operator = with_totp(make_user("operator@example.org", is_staff=True, is_superuser=True))
    client = sign_in(Client(), operator)

    client.post(
        "/admin/organizations/organization/",
        {"action": "delete_selected", "_selected_action": [organization.pk], "post": "yes"},
    )

    assert not Organization.objects.filter(pk=organization.pk).exists()
    _assert_gone(servers, paths)
