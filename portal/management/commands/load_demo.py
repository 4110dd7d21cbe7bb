"""Fill the embedded default with demo data taken from the public facts in shared/seeds/.

Idempotent: running it twice leaves the same data. Each app contributes a `demo.load()` as it arrives.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from portal.models import User

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - documented in the README, refused in production


def demo_user(email: str, full_name: str, *, operator: bool = False, language: str = "en") -> User:
    """Return the demo account for `email`, created with a verified address if missing."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "full_name": full_name,
            "preferred_language": language,
            "is_staff": operator,
            "is_superuser": operator,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


class Command(BaseCommand):
    help = "Load the demo data (organisations, agreements, events, bulletins) from the public seeds."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data and its known passwords are for the embedded default only (DEBUG=1).")
        with transaction.atomic():
            demo_user("operator@example.org", "Portal Operator", operator=True)
            # Portal names no app (it is the floor below them): each installed app that has a `demo` module
            # loads its part, in the order of INSTALLED_APPS, the way the admin finds each app's admin.py.
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "demo"):
                    import_module(f"{app_config.name}.demo").load()
        self.stdout.write(f"Demo data loaded. Demo accounts use the password {DEMO_PASSWORD!r}.")
