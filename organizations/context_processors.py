"""What the menu shows a coordinator about organisations: how many wait for their review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Organization
from portal.access import viewer_of


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """The number of organisations awaiting the person's review, counted only for those the menu shows the queue
    to (portal.context_processors.navigation's nav_can_review); the menu is shared by the readers of the same
    count (templates/includes/header.html)."""
    return {"nav_review_count": SimpleLazyObject(lambda: _waiting(request))}


def _waiting(request: HttpRequest) -> int:
    if not viewer_of(request.user).may_coordinate:
        return 0
    return Organization.objects.awaiting_review_by(request.user).count()
