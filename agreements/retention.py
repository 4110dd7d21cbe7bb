"""The agreements' category of personal data (portal/retention.py): declined requests to accede."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from agreements.models import AccessionRequest
from portal.retention import Category, register


def _declined(cutoff: datetime.datetime) -> QuerySet[AccessionRequest]:
    return AccessionRequest.objects.filter(status=AccessionRequest.Status.DECLINED, decided_at__lt=cutoff)


register(
    Category(
        "declined_accession_requests",
        _("Requests to accede to an agreement that were declined, with who asked and their message"),
        _("after the decision"),
        _declined,
    )
)
