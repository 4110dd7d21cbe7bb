"""What the menu shows a coordinator about organisations: how many wait for their review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Organization


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """The number of organisations awaiting the person's review. The menu is shared by the readers of the same
    count (templates/includes/header.html), so every signed-in page reads it; for those who review nothing the rule
    is empty, and nothing is counted (Django would answer 0 without the database, but only after building the
    query)."""

    def count() -> int:
        if Organization.rules_out(request.user, Organization.REVIEW):
            return 0
        return Organization.objects.awaiting_review_by(request.user).count()

    return {"nav_review_count": SimpleLazyObject(count)}
