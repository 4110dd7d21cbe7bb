from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        # receivers: adds the organisation's agreements to its profile and its data export, and the protocols'
        # parties to the organisation picker's filters (organizations.signals);
        # retention: declined requests to accede, their retention period (portal/retention.py).
        from agreements import receivers, retention  # noqa: F401
