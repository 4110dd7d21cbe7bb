from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Connects the audit log's receivers of allauth's signals.
        from portal import audit  # noqa: F401
        from portal.publiccache import install_triggers

        # After every migrate, once all apps' tables exist: the public stamp's triggers on each public table.
        post_migrate.connect(
            lambda using="default", **kwargs: install_triggers(using), sender=self, weak=False, dispatch_uid="stamp"
        )
