"""The PDF bundle of a consultation's submissions is rendered by a real Celery worker: the coordinator sees the
waiting page (202) until the worker has stored the file, then every submission in it, through the one rendering
task (portal.tasks.render_pdf)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from tests.conftest import sign_in
from tests.factories import ConsultationFactory, OrganizationFactory, SubmissionFactory, make_coordinator
from tests.pdf_worker import WORKER_QUEUE, pdf_worker, publishing_to, wait_for_pdf, worker_log

ANSWER = "Survivors need safe reporting channels"


def test_a_real_worker_renders_the_bundle_while_the_page_waits(
    transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does) to run a real Celery worker")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker must reach the test database (set DATABASE_URL, as CI does)")
    private_media = settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # The broker shares this run's own Redis database: the cache is cleared before each test, not during one.
    broker_url = settings.REDIS_URL
    broker = redis.Redis.from_url(broker_url)
    broker.delete(WORKER_QUEUE)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker_url}}
    consultation = ConsultationFactory()
    answers = {str(consultation.questions.get().pk): ANSWER}
    SubmissionFactory(consultation=consultation, organization=OrganizationFactory(), answers=answers)
    client = sign_in(Client(), make_coordinator())
    address = f"/en/consultations/{consultation.slug}/submissions.pdf"
    log = tmp_path / "worker.log"
    try:
        with publishing_to(broker_url):
            assert client.get(address).status_code == 202
            with pdf_worker(broker_url, private_media, log) as worker:
                response = wait_for_pdf(client, address, worker, log)

        raw = b"".join(response.streaming_content)
        text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
        assert ANSWER in " ".join(text.split())
        assert "portal.tasks.render_pdf" in worker_log(log)
    finally:
        broker.delete(WORKER_QUEUE, "unacked", "unacked_index", *broker.keys("celery-task-meta-*"))
        broker.close()
