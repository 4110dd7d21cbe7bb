"""What the menu shows a coordinator about organisations: how many wait for their review."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.models import Organization


def review_queue(request: HttpRequest) -> dict[str, Any]:
    """The number of organisations awaiting the person's review. The menu is shared by the readers of the same
    count (templates/includes/header.html), so every signed-in page reads it; for those who review nothing the rule
    is empty and Django answers 0 without asking the database."""
    return {"nav_review_count": SimpleLazyObject(lambda: Organization.objects.awaiting_review_by(request.user).count())}
