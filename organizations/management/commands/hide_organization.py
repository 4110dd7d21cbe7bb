"""`manage.py hide_organization SLUG`: an operator hides an organisation when no owner can sign in (a phone call
after an arrest or a raid). `--reveal` shows it again; `--sign-out-members` ends its members' sessions and API keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations import services
from organizations.models import Organization


class Command(BaseCommand):
    help = "Hide an organisation from public view at once (or show it again with --reveal)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--reveal", action="store_true", help="show the organisation again")
        parser.add_argument(
            "--sign-out-members", action="store_true", help="end every member's sessions and revoke their API keys"
        )

    def handle(self, *args: Any, slug: str, reveal: bool, sign_out_members: bool, **options: Any) -> None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organisation at {slug!r}.")
        if reveal:
            services.reveal_organization(None, organization)
            self.stdout.write(f"{organization} is visible again.")
            return
        signed_out = services.hide_organization(None, organization, sign_out_members=sign_out_members)
        note = f"; {signed_out} members signed out" if sign_out_members else ""
        self.stdout.write(f"{organization} is hidden from public view{note}.")
