"""The mailing lists' categories of personal data (portal/retention.py): addresses that never confirmed, that left
a list, or that bounce."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from newsletters.models import Campaign, Delivery, Subscriber, Subscription, Suppression
from portal.audit import hashed_email
from portal.retention import Category, register


def _unconfirmed(cutoff: datetime.datetime) -> QuerySet[Subscription]:
    return Subscription.objects.filter(status=Subscription.Status.PENDING, created_at__lt=cutoff)


def _unsubscribed(cutoff: datetime.datetime) -> QuerySet[Subscription]:
    return Subscription.objects.filter(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at__lt=cutoff)


def _bounced(cutoff: datetime.datetime) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(status=Subscriber.Status.BOUNCING, bounced_at__lt=cutoff)


def _delete_subscriptions(subscriptions: QuerySet[Subscription]) -> int:
    """Delete the subscriptions, then their addresses where no other list holds them."""
    subscribers = set(subscriptions.values_list("subscriber", flat=True))
    deleted, _by_model = subscriptions.delete()
    Subscriber.objects.filter(pk__in=subscribers, subscriptions=None).delete()
    return deleted


def _keep_campaign_figures(deliveries: QuerySet[Delivery]) -> None:
    """Count the finished deliveries about to go on their campaigns, so that a campaign's figures survive them."""
    finished = deliveries.filter(status__in=[Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.SKIPPED])
    by_campaign = finished.values("campaign").annotate(
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=~Q(status=Delivery.Status.SENT)),
    )
    for row in by_campaign:
        Campaign.objects.filter(pk=row["campaign"]).update(
            forgotten_sent=F("forgotten_sent") + row["sent"], forgotten_failed=F("forgotten_failed") + row["failed"]
        )


def _suppress_unsubscribed(subscriptions: QuerySet[Subscription]) -> None:
    """Who unsubscribed is never re-added to that list by an import: keep the hash of each address, and count its
    deliveries on their campaigns."""
    _keep_campaign_figures(Delivery.objects.filter(subscription__in=subscriptions))
    rows = subscriptions.values_list("mailing_list_id", "subscriber__email")
    Suppression.objects.bulk_create(
        [Suppression(mailing_list_id=list_id, email_hash=hashed_email(email)) for list_id, email in rows],
        ignore_conflicts=True,
    )


def _suppress_bounced(subscribers: QuerySet[Subscriber]) -> None:
    """An address that bounced is not re-added to any list by an import: keep its hash, and count its deliveries on
    their campaigns."""
    _keep_campaign_figures(Delivery.objects.filter(subscription__subscriber__in=subscribers))
    emails = subscribers.values_list("email", flat=True)
    Suppression.objects.bulk_create(
        [Suppression(email_hash=hashed_email(email)) for email in emails], ignore_conflicts=True
    )


register(
    Category(
        "unconfirmed_subscriptions",
        _("Email addresses subscribed to a mailing list but never confirmed"),
        _("after the subscription was asked for"),
        _unconfirmed,
        delete=_delete_subscriptions,
    )
)
register(
    Category(
        "unsubscribed_addresses",
        _(
            "Email addresses that unsubscribed from a mailing list (afterwards only a hash of the address is kept, so "
            "that an import never adds it again)"
        ),
        _("after the unsubscription"),
        _unsubscribed,
        before_delete=_suppress_unsubscribed,
        delete=_delete_subscriptions,
    )
)
register(
    Category(
        "bounced_addresses",
        _(
            "Email addresses that mail cannot be delivered to, with their subscriptions (afterwards only a hash of the "
            "address is kept, so that no list adds it again)"
        ),
        _("after the last failed delivery"),
        _bounced,
        before_delete=_suppress_bounced,
    )
)
