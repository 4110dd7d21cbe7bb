from __future__ import annotations

from celery import shared_task

from events import services
from events.models import Registration
from portal import pdf


@shared_task
def render_visa_letter(registration_id: int, language: str) -> str | None:
    """Render a visa invitation letter. Safe to run twice: the file is keyed by its content."""
    registration = (
        Registration.objects.select_related("event", "user", "organization")
        .filter(pk=registration_id, visa_letter_issued_at__isnull=False)
        .first()
    )
    if registration is None:
        return None
    return pdf.ensure_pdf(services.visa_letter_html(registration, language)).name


@shared_task
def send_invitation_reminders() -> int:
    return services.send_invitation_reminders()


@shared_task
def send_event_reminders() -> int:
    return services.send_event_reminders()
