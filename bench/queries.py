"""How many SQL queries each page type runs with 10 organisations and with 20,000: the counts must not grow.

Run from the project folder: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_seed python
bench/queries.py`. It uses two databases on the server DATABASE_URL names: `portal_bench_q10` (bench/seed.py at
scale 0.0005: 10 organisations, one event, one statement...) and the database DATABASE_URL names itself, seeded
at scale 1 (20,000 organisations) if it is not yet; both are created and seeded when missing and kept.

For each page type it requests the page once to warm caches, then counts the queries of a second request
(django.test.utils.CaptureQueriesContext with the test client), as an anonymous visitor and as a signed-in
member (editor of one verified organisation, member of two more). It prints a line per page type:
`<page> queries_10 <n> queries_20000 <n> member_10 <n> member_20000 <n>` (the first two anonymous), and last
`growing <number of page types whose count grows with the data, anonymous or signed in>`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from targets import PAGE_TYPES, database_url, seed_database  # noqa: E402

SMALL_SCALE = 0.0005  # 10 organisations
LARGE_SCALE = 1.0  # 20,000 organisations


def measure() -> dict[str, dict[str, int]]:
    """Query counts of every page type in the database DATABASE_URL names (run in a child process)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # The queries of rendering, not of a hit in the public cache (bench/pages.py measures that).
    os.environ["PUBLIC_PAGE_CACHE"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from seed import MEMBER_EMAIL
    from targets import page_urls

    from portal.models import User

    setup_test_environment()
    urls = page_urls()
    anonymous, member = Client(), Client()
    member.force_login(User.objects.get(email=MEMBER_EMAIL))
    counts: dict[str, dict[str, int]] = {}
    for page in PAGE_TYPES:
        counts[page] = {}
        for who, client in (("anonymous", anonymous), ("member", member)):
            client.get(urls[page])
            with CaptureQueriesContext(connection) as captured:
                response = client.get(urls[page])
            if response.status_code != 200:
                raise SystemExit(f"{page} ({who}): {urls[page]} answered {response.status_code}")
            counts[page][who] = len(captured)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--small-db", default="portal_bench_q10")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit("bench/queries.py needs DATABASE_URL naming a PostgreSQL database (it is seeded at scale 1).")
    if args.measure:
        print(json.dumps(measure()))
        return
    results = {}
    for label, url, scale in (
        ("10", database_url(base, args.small_db), SMALL_SCALE),
        ("20000", base, LARGE_SCALE),
    ):
        seed_database(url, scale, sys.executable)
        child = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--measure"],
            env={**os.environ, "DATABASE_URL": url, "DEBUG": "1"},
            capture_output=True,
            text=True,
        )
        if child.returncode:
            sys.exit(f"measuring {url} failed:\n{child.stderr[-3000:]}")
        results[label] = json.loads(child.stdout.strip().splitlines()[-1])
    growing = 0
    for page in PAGE_TYPES:
        small, large = results["10"][page], results["20000"][page]
        if large["anonymous"] > small["anonymous"] or large["member"] > small["member"]:
            growing += 1
        print(
            f"{page} queries_10 {small['anonymous']} queries_20000 {large['anonymous']} "
            f"member_10 {small['member']} member_20000 {large['member']}"
        )
    print(f"growing {growing}")


if __name__ == "__main__":
    main()
