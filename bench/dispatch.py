"""How fast a campaign goes out through the real pipeline, compared with the fastest a client can talk to the
same SMTP server.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/dispatch.py --recipients 20000 --workers 2

1. Starts an SMTP sink (aiosmtpd, in a process of its own) on a free loopback port.
2. Creates a throwaway PostgreSQL database (portal_bench_dispatch) next to the one DATABASE_URL names and
   migrates it; fills it with a list of N confirmed subscribers and a message campaign.
3. Starts N real Celery workers (`--workers N`, 1 unless given; each `--pool solo`, one process) on a Redis database
   of its own (13 unless --redis-db), with DISPATCH_SENDERS=N; warms them with a campaign of two batches per
   worker to another list (unless --cold); starts the campaign and times it until every Delivery is sent; prints
   how many messages each worker sent.
4. Sends the same messages, built beforehand from the same rendered campaign, with a bare smtplib loop over
   one connection to the same sink.

Prints both rates and, as its last line, `ratio <campaign rate / bare rate>`. The worker, the sink, the
database and the Redis database are removed at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "portal_bench_dispatch"


# The SMTP sink, in its own process so that it does not share an interpreter lock with either sender ----


class CountingHandler:
    def __init__(self, count: Any) -> None:
        self.count = count

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.count.get_lock():
            self.count.value += len(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def run_sink(port: int, count: Any, ready: Any, stop: Any) -> None:
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(CountingHandler(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The throwaway database ---------------------------------------------------------------------------------


def server_connection(database: dict[str, Any]) -> psycopg.Connection:
    return psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"] or None,
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def recreate_database(database: dict[str, Any], name: str, *, create: bool) -> None:
    with server_connection(database) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            admin.execute(f'CREATE DATABASE "{name}"')


def database_url(database: dict[str, Any], name: str) -> str:
    credentials = database["USER"] or ""
    if database["PASSWORD"]:
        credentials += f":{database['PASSWORD']}"
    return f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"


# The benchmark ------------------------------------------------------------------------------------------


def check_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is not None:
            raise SystemExit(f"a worker exited with status {worker.returncode}")


def wait_for_workers(app: Any, workers: list[subprocess.Popen], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_workers(workers)
        if len(app.control.ping(timeout=1)) >= len(workers):
            return
    raise SystemExit(f"the workers did not all answer within {timeout} s")


def start_worker(number: int, env: dict[str, str], log: Any) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - a fixed command line
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "portal",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"bench-dispatch-{number}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def fill(recipients: int, name: str = "reader") -> Any:
    """A list of `recipients` confirmed subscribers (addresses begin with `name`) and a message campaign to it."""
    from newsletters.models import Campaign, MailingList, Subscriber, Subscription
    from organizations.models import Organization

    owner, _created = Organization.objects.get_or_create(
        slug="bench-host", defaults={"name": "Benchmark host", "status": Organization.Status.VERIFIED, "is_host": True}
    )
    mailing_list = MailingList.objects.create(owner=owner, slug=f"bench-{name}", name=f"Benchmark list {name}")
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"{name}{n:06d}@bench.example.org", language="en") for n in range(recipients)],
        batch_size=5000,
    )
    Subscription.objects.bulk_create(
        [
            Subscription(mailing_list=mailing_list, subscriber=subscriber, status=Subscription.Status.CONFIRMED)
            for subscriber in subscribers
        ],
        batch_size=5000,
    )
    return Campaign.objects.create(
        mailing_list=mailing_list,
        subject_en="Consultation with the families' associations in Gaziantep",
        body_en=(
            "The IIIM will meet the families' associations in Gaziantep on 12 May to discuss the next steps of "
            "the Victim Support Project.\n\nRegistration is open until 30 April; each association may send two "
            "people. Interpretation between Arabic, Kurdish and English is provided.\n\nWith our best regards."
        ),
    )


def time_campaign(campaign: Any, recipients: int, workers: list[subprocess.Popen], timeout: float) -> float:
    from newsletters import services, tasks
    from newsletters.models import Campaign, Delivery

    started = time.perf_counter()
    services.start_campaign(None, campaign, queue_sending=tasks.dispatch_campaign.delay)
    deadline = time.monotonic() + timeout
    while not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DONE).exists():
        check_workers(workers)
        if time.monotonic() > deadline:
            raise SystemExit(f"the campaign was not sent within {timeout} s")
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    sent = campaign.deliveries.filter(status=Delivery.Status.SENT).count()
    if sent != recipients:
        raise SystemExit(f"only {sent} of {recipients} deliveries were sent")
    return elapsed


def shares(campaign: Any, workers: list[subprocess.Popen]) -> str:
    """How many messages each worker sent (the ledger names the claim, and so the process, that sent each)."""
    from django.db.models import Count

    from newsletters.models import Delivery

    sent = dict(
        campaign.deliveries.filter(status=Delivery.Status.SENT)
        .values_list("claim__worker")
        .annotate(count=Count("id"))
        .values_list("claim__worker", "count")
    )
    by_pid = {worker.rsplit(":", 1)[-1]: count for worker, count in sent.items()}
    return ", ".join(str(by_pid.get(str(worker.pid), 0)) for worker in workers)


def prebuilt_messages(campaign: Any) -> list[tuple[str, bytes]]:
    """The campaign's messages as the worker builds them, one per subscription, ready to go on the wire."""
    from newsletters import dispatch

    template = dispatch.MessageTemplate.build(dispatch.render_campaign(campaign, "en"))
    rows = campaign.mailing_list.subscriptions.values_list("subscriber__email", "token").order_by("pk")
    return [(email, template.fill(email, token).data) for email, token in rows.iterator(chunk_size=5000)]


def time_bare(port: int, sender: str, messages: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for recipient, message in messages:
            connection.sendmail(sender, [recipient], message)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes sending the campaign (default 1)")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="time the first campaign of fresh workers (by default a smaller campaign warms them first, as the "
        "long-lived workers of production are: URL map and templates loaded, connections open)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds the campaign may take (default 900)")
    parser.add_argument("--redis-db", type=int, default=13, help="a Redis database of its own (default 13)")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("bench/dispatch.py needs DATABASE_URL naming a PostgreSQL server (postgres://...)", file=sys.stderr)
        return 2
    if not os.environ.get("REDIS_URL"):
        print("bench/dispatch.py needs REDIS_URL (redis://host:port/db)", file=sys.stderr)
        return 2
    if args.redis_db == 0:
        print("--redis-db 0 is the usual broker and cache database: pick another one", file=sys.stderr)
        return 2

    server = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    bench_redis = urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{args.redis_db}").geturl()
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url(server, BENCH_DATABASE),
        "REDIS_URL": bench_redis,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # Production conditions: with DEBUG on, Django keeps every query of the worker in memory.
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DISPATCH_SENDERS": str(args.workers),
    }

    context = multiprocessing.get_context("spawn")
    count, ready, stop = context.Value("q", 0), context.Event(), context.Event()
    sink = context.Process(target=run_sink, args=(port, count, ready, stop), daemon=True)
    broker = redis.Redis.from_url(bench_redis)
    workers: list[subprocess.Popen] = []
    # The workers' banners and warnings go to a file, so that `ratio ...` stays the last line of the output.
    worker_log = tempfile.NamedTemporaryFile(prefix="bench-dispatch-worker-", suffix=".log", delete=False)
    database_created = succeeded = False
    try:
        sink.start()
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")
        broker.flushdb()
        print(f"recipients {args.recipients} workers {args.workers}", flush=True)
        recreate_database(server, BENCH_DATABASE, create=True)
        database_created = True
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        from portal.celery import app

        campaign = fill(args.recipients)
        workers.extend(start_worker(number, env, worker_log) for number in range(1, args.workers + 1))
        wait_for_workers(app, workers)
        warmed = 0
        if not args.cold:
            from newsletters.dispatch import BATCH_SIZE

            warmed = 2 * BATCH_SIZE * args.workers  # two batches for each worker's sender
            seconds = time_campaign(fill(warmed, name="warm"), warmed, workers, args.timeout)
            print(f"warm-up: {warmed} messages in {seconds:.1f} s (not counted below)", flush=True)

        campaign_seconds = time_campaign(campaign, args.recipients, workers, args.timeout)
        campaign_rate = args.recipients / campaign_seconds
        received = count.value - warmed
        print(
            f"campaign: {args.recipients} messages in {campaign_seconds:.1f} s, {campaign_rate:.1f} messages/s "
            f"({args.workers} worker{'s' if args.workers > 1 else ''}, --pool solo, sent {shares(campaign, workers)}; "
            f"the sink received {received})",
            flush=True,
        )

        building = time.perf_counter()
        messages = prebuilt_messages(campaign)
        building = time.perf_counter() - building
        print(f"building the {len(messages)} messages beforehand (not timed below) took {building:.1f} s", flush=True)
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        bare_seconds = time_bare(port, sender, messages)
        bare_rate = len(messages) / bare_seconds
        print(
            f"bare smtplib: {len(messages)} prebuilt messages in {bare_seconds:.1f} s, {bare_rate:.1f} messages/s "
            f"(one connection; the sink received {count.value - warmed - received})",
            flush=True,
        )
        print(f"ratio {campaign_rate / bare_rate:.2f}")
        succeeded = True
        return 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if database_created:
            recreate_database(server, BENCH_DATABASE, create=False)
        broker.flushdb()
        broker.close()
        stop.set()
        sink.join(timeout=10)
        if sink.is_alive():
            sink.kill()
        worker_log.close()
        if succeeded:
            os.unlink(worker_log.name)
        else:
            print(f"the workers' log: {worker_log.name}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
