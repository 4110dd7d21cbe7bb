from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal import permissions


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation shows depends on the person: evaluated only when a template asks."""
    return {
        "nav_can_review": SimpleLazyObject(lambda: permissions.can_review_organizations(request.user)),
        "needs_mfa": SimpleLazyObject(lambda: permissions.viewer_of(request.user).needs_mfa),
    }
