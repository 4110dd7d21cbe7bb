from __future__ import annotations

from celery import shared_task

from events import services


@shared_task
def send_invitation_reminders() -> int:
    return services.send_invitation_reminders()


@shared_task
def send_event_reminders() -> int:
    return services.send_event_reminders()
