from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = _("Bulletins and newsletters")

    def ready(self) -> None:
        # Unconfirmed, unsubscribed and bouncing addresses: their retention periods (portal/retention.py).
        from newsletters import retention, services  # noqa: F401
        from portal import pdf

        # The coordinators see each edition PDF rendered by the one rendering task (portal.tasks.render_pdf).
        pdf.follow(services.EDITION_PRINTOUT, services.following_edition_pdf)
