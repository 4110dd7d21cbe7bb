from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # Adds the organisation's event invitations to its owners' data export, and withdraws a hidden
        # organisation's calendar feed (organizations.signals).
        from events import receivers  # noqa: F401
