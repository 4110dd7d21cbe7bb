from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal.access import viewer_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation shows depends on the person: evaluated only when a template asks."""
    return {
        "nav_can_review": SimpleLazyObject(lambda: viewer_of(request.user).may_coordinate),
        "needs_mfa": SimpleLazyObject(lambda: viewer_of(request.user).needs_mfa),
        "has_authenticator": SimpleLazyObject(lambda: viewer_of(request.user).has_authenticator),
    }
