"""Delete audit entries older than the retention period, as the daily Celery beat task does."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import audit


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Keep this many days instead of AUDIT_RETENTION_DAYS ({settings.AUDIT_RETENTION_DAYS}).",
        )

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        deleted = audit.prune(days=days)
        self.stdout.write(f"Deleted {deleted} audit entries.")
