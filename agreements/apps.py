from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        # Adds the organisation's agreements to its profile and its data export, and the protocols' parties to
        # the organisation picker's filters (organizations.signals).
        from agreements import receivers  # noqa: F401
