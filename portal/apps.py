from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # Connects the receivers of allauth's signals: the audit log's, and the one that counts turning on an
        # authenticator app as passing the second factor in that session.
        from portal import audit, two_factor  # noqa: F401
