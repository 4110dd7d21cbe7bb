from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = _("Open letters and statements")

    def ready(self) -> None:
        # Adds the organisation's endorsements to its owners' data export (organizations.signals).
        from django.db.models.signals import post_migrate

        from statements import receivers  # noqa: F401
        from statements.figures import install_triggers

        # After every migrate, once all apps' tables exist: the triggers that keep each statement's figures.
        post_migrate.connect(
            lambda using="default", **kwargs: install_triggers(using), sender=self, weak=False, dispatch_uid="figures"
        )
