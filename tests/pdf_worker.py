"""A real Celery worker for the PDF tests: started against this run's test database and a Redis broker, polled
through a page that answers 202 until the file is stored, and stopped and cleaned up afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test import Client

from portal.celery import app as celery_app

WORKER_QUEUE = "celery"


def database_url_of_tests() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def publish_to(broker_url: str) -> None:
    """Queue tasks on `broker_url` instead of running them in-process."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker_url
    # Celery keeps the connection pool of the broker it first published to (it drops it only after a fork).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def worker_log(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""


@contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Within this block tasks go to `broker_url`; afterwards they run in-process again, as in every test."""
    saved = celery_app.conf.broker_url
    publish_to(broker_url)
    try:
        yield
    finally:
        publish_to(saved)
        celery_app.conf.task_always_eager = True


@contextmanager
def pdf_worker(broker_url: str, private_media: Path, log: Path) -> Iterator[subprocess.Popen[Any]]:
    """A `celery worker --pool solo` on `broker_url` that stores PDFs under `private_media`, logging to `log`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url_of_tests(),
        "REDIS_URL": broker_url,
        "PRIVATE_MEDIA_ROOT": str(private_media),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    celery = Path(sys.executable).parent / "celery"
    command = [str(celery), "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", WORKER_QUEUE]
    with log.open("wb") as output:
        worker = subprocess.Popen(  # noqa: S603 (our own command line)
            command, env=env, cwd=settings.BASE_DIR, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for_pdf(client: Client, address: str, worker: subprocess.Popen[Any], log: Path, seconds: int = 60) -> Any:
    """GET `address` until it stops answering 202 (the waiting page), while the worker renders."""
    deadline = time.monotonic() + seconds
    response = client.get(address)
    while response.status_code == 202:
        assert worker.poll() is None, f"the worker stopped:\n{worker_log(log)}"
        assert time.monotonic() < deadline, f"no PDF after {seconds} s; the worker said:\n{worker_log(log)}"
        time.sleep(0.5)
        response = client.get(address)
    return response
