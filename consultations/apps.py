from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Written consultations")

    def ready(self) -> None:
        # Adds the organisation's submissions to its owners' data export (organizations.signals).
        from consultations import receivers  # noqa: F401
