from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        # Expired invitations, refused requests to join, drafts never submitted: their retention periods
        # (portal/retention.py).
        from organizations import retention  # noqa: F401
