from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from newsletters import dispatch, services


@shared_task
def publish_due_editions() -> int:
    return services.publish_due_editions()


@shared_task(autoretry_for=(OSError,), retry_backoff=15, retry_backoff_max=600, max_retries=None)
def dispatch_campaign(campaign_id: int) -> str:
    """Send a slice of a campaign, then queue the next slice; any number may run at once, on any worker."""
    state = dispatch.dispatch(campaign_id)
    if state == "more":
        dispatch_campaign.apply_async((campaign_id,), countdown=dispatch.next_attempt_delay(campaign_id))
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

    dispatch.send_test(User.objects.get(pk=user_id), Campaign.objects.get(pk=campaign_id))


@worker_ready.connect
def _resume_after_restart(**kwargs: object) -> None:
    # A worker that was killed mid-campaign left it "sending": pick it up as soon as a worker is back.
    resume_interrupted_campaigns.delay()
