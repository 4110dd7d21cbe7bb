from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatementsConfig(AppConfig):
    name = "statements"
    verbose_name = _("Open letters and statements")

    def ready(self) -> None:
        # Adds the organisation's endorsements to its owners' data export (organizations.signals).
        from statements import receivers  # noqa: F401
