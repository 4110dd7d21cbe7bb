from __future__ import annotations

import smtplib

from celery import Task, shared_task
from django.core.mail import EmailMultiAlternatives

from portal import pdf, sending

# A message waiting for the sending limit is queued for at most this long at a time (the broker re-delivers tasks
# that wait past its visibility timeout), then looks again.
LIMIT_RECHECK = 300


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=8,
)
def send_email(
    self: Task, to: str, subject: str, body: str, reply_to: str | None = None, html: str | None = None
) -> str:
    """Send one message a person is waiting for (portal.mail), under the sending limit, which campaigns never
    fill for it (portal.sending). Retried with backoff while the mail server is unreachable; when the provider's
    whole cap is used up, queued again for the moment a place frees up."""
    try:
        sending.take_place(sending.Kind.PERSONAL)
    except sending.LimitReached as reached:
        if self.app.conf.task_always_eager:
            raise  # in-process there is no queue to wait in
        # Not a retry: the limit is no failure, and the message must not run out of attempts while it waits.
        send_email.apply_async((to, subject, body, reply_to, html), countdown=min(reached.seconds, LIMIT_RECHECK))
        return "waiting"
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to], reply_to=[reply_to] if reply_to else None)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return "sent"


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
