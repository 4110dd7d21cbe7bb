from __future__ import annotations

from celery import shared_task

from newsletters import services


@shared_task(autoretry_for=(OSError,), retry_backoff=10, max_retries=3)
def render_edition_pdf(edition_id: int, language: str) -> int | None:
    """Render one edition in one language; idempotent, keyed by the content hash."""
    record = services.render_pdf_now(edition_id, language)
    return record.pages if record else None


@shared_task
def publish_due_editions() -> int:
    return services.publish_due_editions()
