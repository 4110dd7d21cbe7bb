from __future__ import annotations

from celery import shared_task

from events import services


@shared_task
def send_invitation_reminders() -> int:
    return services.send_invitation_reminders()


@shared_task
def send_event_reminders() -> int:
    return services.send_event_reminders()


@shared_task
def send_meeting_links() -> int:
    return services.send_meeting_links()


@shared_task
def release_expired_holds() -> int:
    return services.release_expired_holds()
