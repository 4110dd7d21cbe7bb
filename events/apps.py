from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # receivers: adds the organisation's event invitations to its owners' data export, and withdraws a hidden
        # organisation's calendar feed (organizations.signals);
        # retention: registrations, attendance and visa letters, their retention period (portal/retention.py).
        from events import receivers, retention  # noqa: F401
