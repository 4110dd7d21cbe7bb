from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from portal import pdf


@shared_task(
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_email(to: str, subject: str, body: str, reply_to: str | None = None) -> None:
    """Send one rendered notification. Retried with backoff while the mail server is unreachable."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to], reply_to=[reply_to] if reply_to else None)
    message.send()


@shared_task(autoretry_for=(OSError,), retry_backoff=10, max_retries=3)
def render_pdf(kind: str, object_id: int, language: str, html: str) -> str:
    """Render one printout (an edition, agreement, statement or visa letter in one language) and store it under
    its content hash; the one rendering task for every kind. Safe to run twice: the second run finds the file."""
    return pdf.render(pdf.Printout(kind, object_id, language, html)).name


@shared_task
def apply_retention() -> dict[str, int]:
    """Delete the personal data kept past its category's retention period (daily, from celery beat)."""
    from portal import retention

    return retention.apply()
