"""What the menu shows a coordinator about organisations: how many wait for their review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Organization


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """The number of organisations awaiting the person's review, counted only when the menu shows the queue
    (portal.context_processors.navigation's nav_can_review)."""
    return {"nav_review_count": SimpleLazyObject(lambda: Organization.objects.awaiting_review_by(request.user).count())}
