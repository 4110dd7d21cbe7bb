"""Rate limits on the portal's own endpoints that send email on a person's behalf or can be abused.

allauth already limits login, sign-up and password reset. Its limiter (a sliding window kept in the cache, so
shared by every web process through Redis in production) counts these endpoints too: their rates sit beside
allauth's own in settings.ACCOUNT_RATE_LIMITS, where allauth's public helper reads them, and a refused request
gets templates/429.html.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def limited(action: str) -> Callable[[View], View]:
    """Refuse a POST to the decorated view with 429, before it does anything, once the signed-in person has
    used up the rate of `action` in settings.ACCOUNT_RATE_LIMITS. GET requests are never counted."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return ratelimit.consume_or_429(request, action=action) or view(request, *args, **kwargs)

        return wrapper

    return decorator
