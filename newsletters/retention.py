"""The mailing lists' categories of personal data (portal/retention.py): addresses that never confirmed, that left
a list, or that bounce."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from newsletters.models import Subscriber, Subscription
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
        _("Email addresses that unsubscribed from a mailing list"),
        _("after the unsubscription"),
        _unsubscribed,
        delete=_delete_subscriptions,
    )
)
register(
    Category(
        "bounced_addresses",
        _("Email addresses that mail cannot be delivered to, with their subscriptions"),
        _("after the last failed delivery"),
        _bounced,
    )
)
