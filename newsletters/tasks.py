from __future__ import annotations

import redis
from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from newsletters import dispatch, services
from portal import sending
from portal.tasks import LIMIT_RECHECK


@shared_task
def publish_due_editions() -> int:
    return services.publish_due_editions()


@shared_task
def dispatch_campaign(campaign_id: int) -> int:
    """Queue the campaign's senders, DISPATCH_SENDERS of them: each worker process that takes one sends a share of
    the campaign over its own connection."""
    for _number in range(dispatch.SENDERS):
        send_campaign_slice.delay(campaign_id)
    return dispatch.SENDERS


# A slice that loses the database or Redis for a moment is tried again; what it had claimed is taken over meanwhile.
@shared_task(
    autoretry_for=(OSError, OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=None,
)
def send_campaign_slice(campaign_id: int) -> str:
    """One of the campaign's senders: sends for a slice of seconds, then queues itself again (behind any other
    task waiting for a worker) until the campaign is sent, paused, or has senders enough."""
    state = dispatch.dispatch(campaign_id)
    if state == "more":
        delay = dispatch.next_attempt_delay(campaign_id)
        # In-process (no broker) a countdown is not waited for: the next slice would spin until the retries are due.
        if not (send_campaign_slice.app.conf.task_always_eager and delay):
            send_campaign_slice.apply_async((campaign_id,), countdown=delay)
    return state


@shared_task
def start_due_campaigns() -> int:
    return services.start_due_campaigns(queue_sending=dispatch_campaign.delay)


@shared_task
def resume_interrupted_campaigns() -> int:
    return services.resume_interrupted_campaigns(queue_sending=dispatch_campaign.delay)


@shared_task
def send_campaign_test(campaign_id: int, user_id: int) -> None:
    from newsletters.models import Campaign
    from portal.models import User

    try:
        dispatch.send_test(User.objects.get(pk=user_id), Campaign.objects.get(pk=campaign_id))
    except sending.LimitReached as reached:
        if send_campaign_test.app.conf.task_always_eager:
            raise
        # The whole cap is used up: the author's test goes as soon as a place frees up.
        send_campaign_test.apply_async((campaign_id, user_id), countdown=min(reached.seconds, LIMIT_RECHECK))


@worker_ready.connect
def _resume_after_restart(**kwargs: object) -> None:
    # Campaigns left "sending" with no sender at work (every worker was stopped): pick them up as soon as a worker
    # is back and the leases of the stopped senders have expired.
    resume_interrupted_campaigns.apply_async(countdown=dispatch.LEASE_SECONDS + dispatch.WATCH_SECONDS)
