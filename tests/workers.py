"""Real Celery workers for the tests whose subject is the worker: `celery -A portal worker --pool solo`
processes, Redis as the broker, the test database shared with the test.

    with celery_workers(tmp_path, count=1, env={"PRIVATE_MEDIA_ROOT": str(root)}) as workers:
        ...
        workers.wait_for("the PDF stored", lambda: any(root.rglob("*.pdf")))

or the `workers` fixture (tests/conftest.py makes it available everywhere), which starts none: call
`workers.start()`.

The broker is REDIS_URL's own database, for this process (the app's `broker_url`) and for the workers. Each
engineer and each CI job gives the tests a Redis database of its own (the tests' cache, flushed around every
test anyway), so workers of concurrent runs never take each other's tasks; kombu prefixes its broadcast
channels (`control.ping`) with the database number too. Everything changed is restored on the way out: the
app's broker and result backend, `task_always_eager`, the broker database emptied, the processes stopped.
These tests need PostgreSQL (several processes on one database) and Redis: mark them `needs_workers`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app

WAIT_SECONDS = 120  # a loaded machine starts a worker slowly; only a hang should fail

needs_workers = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL): a real worker shares them with the test",
)


def database_url_for_workers() -> str:
    """The address of the test database (not the one in DATABASE_URL), for processes outside pytest."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def forget_broker_connections() -> None:
    """The app keeps the connections of the broker it first published to and its result backend (it drops
    them only after a fork): after the URLs change they must be rebuilt."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    vars(celery_app._local).pop("backend", None)
    kombu.pools.reset()


@dataclass
class Workers:
    """The environment of the worker processes, their logs, and the processes started so far."""

    env: dict[str, str]
    logs: Path
    broker: redis.Redis
    loglevel: str = "INFO"
    name: str = "test-worker"
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self, count: int = 1) -> list[subprocess.Popen]:
        """Start `count` more workers; each writes its log to `logs/worker-N.log`."""
        return [self._start_one() for _ in range(count)]

    def _start_one(self) -> subprocess.Popen:
        number = len(self.processes) + 1
        command = [str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker", "--pool", "solo"]
        command += ["--loglevel", self.loglevel, "--without-gossip", "--without-mingle", "--without-heartbeat"]
        command += ["--hostname", f"{self.name}-{number}@%h"]
        with (self.logs / f"worker-{number}.log").open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def log(self) -> str:
        """The end of every worker's log, for failure messages."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in sorted(self.logs.glob("*.log"))
        )

    def wait_for(
        self, what: str, condition: Callable[[], bool], timeout: float = WAIT_SECONDS, interval: float = 0.05
    ) -> None:
        """Until `condition()` holds, asked every `interval` seconds; fails after `timeout` seconds, or as soon
        as every worker has stopped, with the workers' logs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.processes and all(process.poll() is not None for process in self.processes):
                if condition():
                    return
                raise AssertionError(f"{what}: every worker stopped\n{self.log()}")
            time.sleep(interval)
        raise AssertionError(f"{what}: not reached within {timeout} s\n{self.log()}")

    def wait_until_up(self, timeout: float = WAIT_SECONDS) -> None:
        """Until every worker started answers a ping, so that none starts late and finds the work done."""
        self.wait_for(
            "every worker up", lambda: len(celery_app.control.ping(timeout=0.5)) >= len(self.processes), timeout
        )


@contextmanager
def celery_workers(
    logs: Path,
    *,
    count: int = 0,
    smtp_port: int | None = None,
    env: Mapping[str, str] | None = None,
    loglevel: str = "INFO",
    name: str = "test-worker",
) -> Iterator[Workers]:
    """Publish this process's tasks to REDIS_URL's database instead of running them in-process, and start
    `count` workers there (more with `Workers.start`), pointed at the test database; with `smtp_port`, their
    mail goes to an SMTP server on that loopback port; `env` adds to or overrides their environment. Needs a
    transactional database (`transactional_db` or `live_server`): the workers see only what is committed."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL) to run a real Celery worker")
    url = settings.REDIS_URL
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    saved = {name: celery_app.conf[name] for name in ("broker_url", "result_backend", "task_always_eager")}
    forget_broker_connections()
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    logs.mkdir(parents=True, exist_ok=True)
    workers = Workers(
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": database_url_for_workers(),
            "REDIS_URL": url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DEBUG": "1",
            **({"EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"} if smtp_port is not None else {}),
            **(env or {}),
        },
        logs=logs,
        broker=broker,
        loglevel=loglevel,
        name=name,
    )
    try:
        workers.start(count)
        yield workers
    finally:
        workers.stop_all()
        forget_broker_connections()
        celery_app.conf.update(saved)
        broker.flushdb()
        broker.close()


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    """No worker yet (`workers.start()`), tasks published to REDIS_URL's database, the test database committed."""
    with celery_workers(tmp_path / "workers") as started:
        yield started
