"""The page types the benchmarks measure, and where each one is in a seeded database (see bench/seed.py).

Shared by bench/queries.py and bench/pages.py so that both measure the same addresses.
"""

from __future__ import annotations

import os
import subprocess
from urllib.parse import urlsplit, urlunsplit

PAGE_TYPES = [
    "home",
    "directory",
    "directory_filtered",
    "directory_search",
    "organization_profile",
    "events_list",
    "event_detail",
    "publication",
    "edition",
    "statements_list",
    "statement_big",
    "api_organizations",
    "api_events",
    "api_statements",
]


def page_urls() -> dict[str, str]:
    """The address of each page type in the database Django is connected to (needs django.setup())."""
    from django.db.models import Count, Q

    from events.models import Event, Registration
    from newsletters.models import Edition, Publication
    from organizations.models import Organization
    from statements.models import Statement

    profile = (
        Organization.objects.listed()
        .filter(is_host=False)
        .annotate(endorsed=Count("endorsements"))
        .order_by("-endorsed", "pk")
        .values_list("slug", flat=True)
        .first()
    )
    event = (
        Event.objects.filter(visibility=Event.Visibility.PUBLIC, status=Event.Status.SCHEDULED)
        .annotate(seated=Count("registrations", filter=Q(registrations__status__in=Registration.SEATED)))
        .order_by("-seated", "pk")
        .values_list("slug", flat=True)
        .first()
    )
    publication = Publication.objects.order_by("pk").values_list("slug", flat=True).first()
    edition = (
        Edition.objects.published()
        .filter(publication__slug=publication)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    statement = (
        Statement.objects.published()
        .annotate(endorsed=Count("endorsements"))
        .order_by("-endorsed", "pk")
        .values_list("slug", flat=True)
        .first()
    )
    return {
        "home": "/en/",
        "directory": "/en/organizations/",
        "directory_filtered": "/en/organizations/?kind=victims&country=TR",
        "directory_search": "/en/organizations/?q=justice",
        "organization_profile": f"/en/organizations/{profile}/",
        "events_list": "/en/events/",
        "event_detail": f"/en/events/{event}/",
        "publication": f"/en/bulletins/{publication}/",
        "edition": f"/en/bulletins/{publication}/{edition}/",
        "statements_list": "/en/statements/",
        "statement_big": f"/en/statements/{statement}/",
        "api_organizations": "/api/v1/organizations/",
        "api_events": "/api/v1/events/",
        "api_statements": "/api/v1/statements/",
    }


def database_url(base: str, name: str) -> str:
    """`base` (a PostgreSQL URL) with its database name replaced by `name`."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names if it does not exist yet."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme.replace("pgsql", "postgresql"), parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def seed_database(url: str, scale: float, python: str) -> None:
    """Create and seed `url` at `scale` (in a child process: Django connects to one database per process)."""
    ensure_database(url)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(  # noqa: S603
        [python, os.path.join(here, "seed.py"), "--scale", str(scale)],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )
