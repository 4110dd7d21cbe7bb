"""Retention schedules: each category of personal data, how long it is kept, and the one function that deletes it.

A category is defined once, here in its registry, by the app that holds the data (each app's `retention` module,
imported by its AppConfig.ready(): portal imports no app). Its period comes from `settings.RETENTION` (one
entry per category, overridable by environment variables). The same registry drives the daily task
(`portal.tasks.apply_retention`), `manage.py apply_retention [--dry-run]` and the public privacy page, so what
the page says and what the code deletes cannot drift apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Category:
    """One category of personal data and how its expired rows are found and deleted.

    `expired(cutoff)` returns the rows whose period ended before `cutoff` (now minus the category's period).
    `before_delete(rows)`, when given, stores what must outlive them (an event's attendance figures) in the
    model it describes, in the same transaction. `delete(rows)` deletes them; by default `rows.delete()`.
    """

    key: str
    title: str | Promise  # what is kept, for the privacy page ("Event registrations...")
    kept: str | Promise  # when the period starts, completing "deleted <period> ..." ("after the event ends")
    expired: Callable[[datetime.datetime], models.QuerySet]
    before_delete: Callable[[models.QuerySet], None] | None = None
    delete: Callable[[models.QuerySet], int] | None = None

    @property
    def period(self) -> datetime.timedelta:
        return settings.RETENTION[self.key]


_registry: dict[str, Category] = {}


def register(category: Category) -> Category:
    """Add `category` to the registry (from an app's AppConfig.ready()); its period must be in settings."""
    if category.key not in settings.RETENTION:
        raise ImproperlyConfigured(f"settings.RETENTION has no period for the category {category.key!r}.")
    _registry[category.key] = category
    return category


def categories() -> list[Category]:
    """Every registered category, in the order of settings.RETENTION (the privacy page's order)."""
    missing = set(settings.RETENTION) - set(_registry)
    if missing:
        raise ImproperlyConfigured(f"settings.RETENTION names categories no app defines: {sorted(missing)}.")
    return [_registry[key] for key in settings.RETENTION]


def _delete(category: Category, rows: models.QuerySet) -> int:
    if category.delete is not None:
        return category.delete(rows)
    deleted, _by_model = rows.delete()
    return deleted


def apply(*, dry_run: bool = False, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what each category keeps past its period (each category in its own transaction); return how many
    rows of each were (with `dry_run`, would be) deleted, counting the category's own rows only."""
    now = now or timezone.now()
    counts = {}
    for category in categories():
        with transaction.atomic():
            rows = category.expired(now - category.period)
            counts[category.key] = rows.count()
            if dry_run or not counts[category.key]:
                continue
            if category.before_delete is not None:
                category.before_delete(rows)
            _delete(category, rows)
    return counts


def describe(period: datetime.timedelta) -> str:
    """A period as people say it: "48 hours", "90 days", "1 year" (whole years of 365 days)."""
    if period.days and period.days % 365 == 0:
        years = period.days // 365
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    if period.seconds == 0 and period.days >= 3:  # shorter periods in hours: "48 hours", not "2 days"
        return ngettext("%(count)d day", "%(count)d days", period.days) % {"count": period.days}
    hours = int(period.total_seconds() // 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def _audit_entries(cutoff: datetime.datetime) -> models.QuerySet:
    from portal.models import AuditEntry

    return AuditEntry.objects.filter(created_at__lt=cutoff)


def _session_records(cutoff: datetime.datetime) -> models.QuerySet:
    from portal.models import SignedInSession

    return SignedInSession.objects.filter(last_seen_at__lt=cutoff)


def register_portal_categories() -> None:
    """The ground floor's own categories (PortalConfig.ready)."""
    register(
        Category(
            "audit_log",
            _("The audit log: sign-ins, changes of rights and data taken out, with the address they came from"),
            _("after the entry is written"),
            _audit_entries,
        )
    )
    register(
        Category(
            "sessions",
            _("The list of your signed-in sessions: browser, network and when each was last used"),
            _("after the session was last used"),
            _session_records,
        )
    )
