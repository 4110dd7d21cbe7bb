"""The PDF bundle of a consultation's submissions is rendered by a real Celery worker: the coordinator sees the
waiting page (202) until the worker has stored the file, then every submission in it, through the one rendering
task (portal.tasks.render_pdf)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.test import Client
from pypdf import PdfReader

from tests.conftest import sign_in
from tests.factories import ConsultationFactory, OrganizationFactory, SubmissionFactory, make_coordinator
from tests.workers import celery_workers, needs_workers

ANSWER = "Survivors need safe reporting channels"


@needs_workers
def test_a_real_worker_renders_the_bundle_while_the_page_waits(
    transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    private_media = settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    consultation = ConsultationFactory()
    answers = {str(consultation.questions.get().pk): ANSWER}
    SubmissionFactory(consultation=consultation, organization=OrganizationFactory(), answers=answers)
    client = sign_in(Client(), make_coordinator())
    address = f"/en/consultations/{consultation.slug}/submissions.pdf"
    with celery_workers(tmp_path / "workers", env={"PRIVATE_MEDIA_ROOT": str(private_media)}) as workers:
        assert client.get(address).status_code == 202

        workers.start()
        responses = []
        workers.wait_for(
            "the bundle served", lambda: responses.append(client.get(address)) or responses[-1].status_code != 202
        )

        assert responses[-1].status_code == 200
        raw = b"".join(responses[-1].streaming_content)
        text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
        assert ANSWER in " ".join(text.split())
        assert "portal.tasks.render_pdf" in workers.log()
