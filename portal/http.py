"""The request of a view that only signed-in people reach, for type annotations (django-stubs' pattern)."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from portal.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind login_required: its user is signed in. Django passes a plain HttpRequest;
    this class only tells the type checker what login_required guarantees."""

    user: User


class AuthenticatedRequest(Request):
    """The same for an API view whose permission classes let only signed-in people in (IsAuthenticated)."""

    user: User
