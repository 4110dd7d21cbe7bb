"""What the menu shows a coordinator about organisations: how many wait for their review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Organization


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """The number of organisations awaiting the person's review. The menu is shared by the readers of the same
    count (templates/includes/header.html), so every signed-in page reads it; for those who review nothing the rule
    is empty, and counting nothing is skipped (Django would answer 0 without the database, but only after building
    the query)."""

    def count() -> int:
        queue = Organization.objects.awaiting_review_by(request.user)
        return 0 if queue.query.is_empty() else queue.count()

    return {"nav_review_count": SimpleLazyObject(count)}
