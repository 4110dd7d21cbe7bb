from __future__ import annotations

from celery import shared_task

from consultations import services


@shared_task
def send_consultation_reminders() -> int:
    """Remind the organisations asked that have not submitted, once each (hourly, from celery beat)."""
    return services.send_reminders()
