"""Delete the personal data kept past its retention period, as the daily Celery beat task does (portal/retention.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal import retention


class Command(BaseCommand):
    help = "Delete personal data past its category's retention period (settings.RETENTION); --dry-run only counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted, delete nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        counts = retention.apply(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        for category in retention.categories():
            period = retention.describe(category.period)
            self.stdout.write(f"{category.key} (kept {period}): {verb} {counts[category.key]}")
