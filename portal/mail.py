"""Every message but a campaign's: rendered in each recipient's language, sent by Celery once the transaction
commits, under the sending limit (portal.sending) as mail a person is waiting for. allauth's account mail comes here
too (portal.adapters.AccountAdapter.send_mail); campaigns go through newsletters.dispatch, under the same limit."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import Context, Engine
from django.utils import translation

from portal.tasks import send_email


def render_email(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Render `<template>_subject.txt` and `<template>_body.txt` in `language`."""
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, "language": language, **context}
        subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
        body = _render_text(f"{template}_body.txt", context)
    return subject, body


def _render_text(name: str, context: dict[str, Any]) -> str:
    # Plain-text mail: HTML escaping would turn "Detainees' Families" into "Detainees&#x27; Families".
    return Engine.get_default().get_template(name).render(Context(context, autoescape=False))


def send_to_address(email: str, template: str, context: dict[str, Any], language: str) -> None:
    subject, body = render_email(template, context, language)
    transaction.on_commit(partial(send_email.delay, email, subject, body))


def send_message(message: EmailMessage) -> None:
    """Send a message rendered elsewhere (allauth's), one per recipient, the way every notification goes. Queued at
    once, as allauth sends it: it carries all it needs, and waits for no transaction."""
    html: str | None = None
    body = str(message.body)
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(content) for content, kind in message.alternatives if kind == "text/html"), None)
    elif message.content_subtype == "html":
        body, html = "", str(message.body)
    for to in message.to:
        send_email.delay(to, str(message.subject), body, None, html)


def notify(users: Iterable[Any], template: str, context: dict[str, Any]) -> None:
    """Email each of `users` in their preferred language after the current transaction commits."""
    for user in {user.pk: user for user in users}.values():
        send_to_address(user.email, template, {**context, "recipient": user}, user.preferred_language)
