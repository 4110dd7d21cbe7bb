from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Connects the receivers of allauth's signals: the audit log's, and the one that counts turning on an
        # authenticator app as passing the second factor in that session.
        # The list of signed-in sessions forgets a session at logout.
        from portal import audit, sessions, two_factor  # noqa: F401
        from portal.publiccache import install_triggers
        from portal.retention import register_portal_categories

        register_portal_categories()

        # After every migrate, once all apps' tables exist: the public stamp's triggers on each public table.
        post_migrate.connect(
            lambda using="default", **kwargs: install_triggers(using), sender=self, weak=False, dispatch_uid="stamp"
        )
