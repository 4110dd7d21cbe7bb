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
        "time_zone_prompt": SimpleLazyObject(lambda: _time_zone_prompt(request)),
    }


# Set at login (portal.adapters) for a person who never chose a time zone: the next page asks for it, once.
PROPOSE_TIME_ZONE = "propose_time_zone"


def _time_zone_prompt(request: HttpRequest) -> bool:
    proposed = request.session.pop(PROPOSE_TIME_ZONE, False) if hasattr(request, "session") else False
    return bool(proposed) and request.user.is_authenticated and not getattr(request.user, "time_zone_chosen", True)
