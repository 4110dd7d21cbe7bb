"""The PDF bundle of a consultation's submissions is rendered by a real Celery worker: the coordinator sees the
waiting page (202) until the worker has stored the file, then every submission in it. The same one rendering task
(portal.tasks.render_pdf) and helpers as the agreements' worker test."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from portal.celery import app as celery_app
from tests.agreements.test_pdf import WORKER_QUEUE, _publish_to, _test_database_url, _worker_log
from tests.conftest import sign_in
from tests.factories import ConsultationFactory, OrganizationFactory, SubmissionFactory, make_coordinator

ANSWER = "Survivors need safe reporting channels"


def test_a_real_worker_renders_the_bundle_while_the_page_waits(
    transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does) to run a real Celery worker")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker must reach the test database (set DATABASE_URL, as CI does)")
    private_media = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = private_media
    # The broker shares this run's own Redis database: the cache is cleared before each test, not during one.
    broker_url = settings.REDIS_URL
    broker = redis.Redis.from_url(broker_url)
    broker.delete(WORKER_QUEUE)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker_url}}
    consultation = ConsultationFactory()
    SubmissionFactory(
        consultation=consultation,
        organization=OrganizationFactory(),
        answers={str(consultation.questions.get().pk): ANSWER},
    )
    client = sign_in(Client(), make_coordinator())
    address = f"/en/consultations/{consultation.slug}/submissions.pdf"
    saved_broker_url = celery_app.conf.broker_url
    log = tmp_path / "worker.log"
    worker = None
    try:
        _publish_to(broker_url)
        waiting = client.get(address)
        assert waiting.status_code == 202

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": _test_database_url(),
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
        deadline = time.monotonic() + 60
        response = client.get(address)
        while response.status_code == 202:
            assert worker.poll() is None, f"the worker stopped:\n{_worker_log(log)}"
            assert time.monotonic() < deadline, f"no PDF after 60 s; the worker said:\n{_worker_log(log)}"
            time.sleep(0.5)
            response = client.get(address)

        raw = b"".join(response.streaming_content)
        text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
        assert ANSWER in " ".join(text.split())
        assert "portal.tasks.render_pdf" in _worker_log(log)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        _publish_to(saved_broker_url)
        celery_app.conf.task_always_eager = True
        broker.delete(WORKER_QUEUE, "unacked", "unacked_index", *broker.keys("celery-task-meta-*"))
        broker.close()
