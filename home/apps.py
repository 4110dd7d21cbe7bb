from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The floor above every app: the pages that gather them all (home, figures, a person's data) and the root
    URLs. No app imports it."""

    name = "home"
    verbose_name = _("Home")
