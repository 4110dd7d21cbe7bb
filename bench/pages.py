"""Requests per second and 95th-percentile latency of each page type under load, against a static file of the
same size served by the same gunicorn.

Run from the project folder with PostgreSQL and Redis:
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_seed REDIS_URL=redis://127.0.0.1:6379/12 python
bench/pages.py --scale 1`.

- It seeds the database if needed (bench/seed.py; `--scale 10` and `--scale 100` use the databases
  `<name>_s10`, `<name>_s100` beside the one DATABASE_URL names, which is the scale-1 one).
- It collects the static files into a temporary STATIC_ROOT and writes there, for each page type, a file as
  large as that page (rendered once through the test client), so that WhiteNoise serves the same number of
  bytes as Django does.
- It starts gunicorn with the production settings (DEBUG=0, a random 50-character SECRET_KEY, ALLOWED_HOSTS
  127.0.0.1, SECURE_SSL_REDIRECT=0 as loopback has no TLS, API rate limits raised out of the way) with
  2 × cores + 1 workers on a free loopback port.
- For each page type it runs `wrk -t2 -c16 -d10s` (`--duration`, `--connections`) on the page, anonymously
  (from the public cache, warm: the page was read once through gunicorn just before), then the same load on its
  static twin, and prints
  `<page> rps <n> p95_ms <n> static_rps <n> ratio <page rps / static rps> queries <n>`; then the same signed in as
  the bench member (bench/seed.py: editor of one verified organisation, member of two more), which the cache never
  serves, as `<page>@member ...` beside a static twin of the member's page. Last:
  `worst_ratio <the smallest anonymous ratio> member_worst_ratio <the smallest signed-in ratio>`.
  Without wrk it uses a bounded Python load generator (threads, same duration).
- It stops gunicorn and removes the temporary folder at the end; it flushes the Redis database REDIS_URL
  names before and after (use a database number of your own).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from targets import PAGE_TYPES, database_url, seed_database  # noqa: E402

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95)))
  io.write(string.format("errors %d\\n", summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure_pages(pages: list[str]) -> tuple[dict[str, str], dict[str, int], dict[str, bytes], dict[str, bytes], str]:
    """Addresses, anonymous query counts and bodies of the page types, the bench member's bodies, and the bench
    member's cookies (in this process, through the test client, against the database DATABASE_URL names).
    Reading each page once anonymously also warms the public cache."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from seed import MEMBER_EMAIL
    from targets import page_urls

    from portal.models import User

    setup_test_environment()
    urls = page_urls()
    client = Client()
    member = Client()
    member.force_login(User.objects.get(email=MEMBER_EMAIL))
    queries, bodies, member_bodies = {}, {}, {}
    for page in pages:
        client.get(urls[page])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(urls[page])
        if response.status_code != 200:
            sys.exit(f"{page}: {urls[page]} answered {response.status_code}")
        queries[page] = len(captured)
        bodies[page] = response.content
        member_bodies[page] = member.get(urls[page]).content
    connection.close()
    # Every cookie the member's browser holds: the session, and the CSRF cookie the first form set (a browser
    # sends it back; without it each page with a form would make and set a new one).
    assert settings.SESSION_COOKIE_NAME in member.cookies
    return urls, queries, bodies, member_bodies, "; ".join(f"{name}={c.value}" for name, c in member.cookies.items())


def wrk(
    url: str, duration: int, connections: int, threads: int, script: Path, cookie: str = ""
) -> tuple[float, float, int]:
    """Requests per second, p95 latency in milliseconds and errors (non-2xx answers, socket errors)."""
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    result = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            *header,
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    )
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"p95_us (\d+)", out).group(1)) / 1000
    errors = int(re.search(r"errors (\d+)", out).group(1))
    return rps, p95, errors


def python_load(url: str, duration: int, connections: int, cookie: str = "") -> tuple[float, float, int]:
    """A bounded load without wrk: `connections` threads with one keep-alive connection each, for `duration` s."""
    match = re.match(r"http://([^/:]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    deadline = time.monotonic() + duration
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run() -> None:
        conn = HTTPConnection(host, port, timeout=10)
        mine = []
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                conn = HTTPConnection(host, port, timeout=10)
                continue
            mine.append(time.monotonic() - started)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=run) for _n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 1 else 0.0
    return len(latencies) / duration, p95, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, choices=[1, 10, 100], default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per address (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pages", nargs="*", choices=PAGE_TYPES, default=PAGE_TYPES)
    args = parser.parse_args()
    # Stopped from outside (timeout, Ctrl-C): still stop gunicorn and remove the temporary folder.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit("stopped"))
    base = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not base.startswith(("postgres://", "postgresql://", "pgsql://")) or not redis_url.startswith("redis://"):
        sys.exit("bench/pages.py needs DATABASE_URL (PostgreSQL) and REDIS_URL (a Redis database of its own).")
    url = base if args.scale == 1 else database_url(base, f"{base.rsplit('/', 1)[1]}_s{args.scale}")
    seed_database(url, float(args.scale), sys.executable)
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url
    subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=False, capture_output=True)  # noqa: S603, S607
    urls, queries, bodies, member_bodies, member_cookie = measure_pages(args.pages)

    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    static_root = work / "static"
    cores = os.cpu_count() or 1
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "production_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40)[:50],
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        # Per second: DRF keeps each caller's request times over the rate's period, and over a minute of load they
        # grew to tens of thousands, read and written back on every request, a cost no real caller's limit
        # (600/minute) comes near.
        "API_ANON_RATE": "100000000/second",
        "API_USER_RATE": "100000000/second",
        "LOG_LEVEL": "WARNING",
    }
    bin_dir = Path(sys.executable).parent
    server = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        for page in args.pages:  # the static twin of each page: the same number of bytes, served by WhiteNoise
            twin = static_root / "bench" / f"{page}.html"
            twin.parent.mkdir(parents=True, exist_ok=True)
            twin.write_bytes(bodies[page])
            (static_root / "bench" / f"{page}@member.html").write_bytes(member_bodies[page])
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                str(bin_dir / "gunicorn"),
                "portal.wsgi:application",
                "--workers",
                str(2 * cores + 1),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--chdir",
                str(ROOT),
            ],
            env=env,
            start_new_session=True,
            stderr=(work / "gunicorn.log").open("wb"),
        )
        origin = f"http://127.0.0.1:{port}"

        def wait_until_up() -> None:
            # At start, and after a page whose requests outlived gunicorn's 30 s timeout (workers restart).
            for _attempt in range(300):
                try:
                    urllib.request.urlopen(f"{origin}/healthz", timeout=2)  # noqa: S310 (loopback)
                    return
                except OSError:
                    time.sleep(0.2)
            sys.exit("gunicorn did not answer on /healthz")

        wait_until_up()
        script = work / "p95.lua"
        script.write_text(WRK_SCRIPT)
        use_wrk = shutil.which("wrk") is not None

        def load(target: str, cookie: str = "") -> tuple[float, float, int]:
            if use_wrk:
                return wrk(target, args.duration, args.connections, args.threads, script, cookie)
            return python_load(target, args.duration, args.connections, cookie)

        worst = {"": float("inf"), "@member": float("inf")}
        for page in args.pages:
            for who, cookie in (("", ""), ("@member", member_cookie)):
                wait_until_up()
                if not who:
                    # Warm as the load will find it: the reading in measure_pages was keyed by another host name.
                    urllib.request.urlopen(origin + urls[page], timeout=120).read()  # noqa: S310 (loopback)
                rps, p95, errors = load(origin + urls[page], cookie)
                wait_until_up()
                static_rps, _static_p95, static_errors = load(f"{origin}/static/bench/{page}{who}.html")
                # The page's rate as a share of the static file's (issue 16's targets: 0.33 anonymous, 0.1 signed in).
                ratio = rps / static_rps if static_rps else 0.0
                worst[who] = min(worst[who], ratio)
                # Errors: answers other than 2xx/3xx, timeouts (wrk's --timeout 10s, gunicorn's 30 s), page/static.
                note = f" errors {errors}/{static_errors}" if errors or static_errors else ""
                count = f" queries {queries[page]}" if not who else ""
                print(
                    f"{page}{who} rps {rps:.1f} p95_ms {p95:.1f} static_rps {static_rps:.1f} ratio {ratio:.3f}"
                    f"{count}{note}",
                    flush=True,
                )
        print(f"worst_ratio {worst['']:.3f} member_worst_ratio {worst['@member']:.3f}")
        timeouts = (work / "gunicorn.log").read_text(errors="replace").count("WORKER TIMEOUT")
        if timeouts:
            print(f"gunicorn worker timeouts: {timeouts}", file=sys.stderr)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=False, capture_output=True)  # noqa: S603, S607
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
