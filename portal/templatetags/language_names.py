"""Languages by their names in the reader's language: `{{ code|language_name_local }}` shows "ar" as "Arabic" on
an English page and "arabe" on a French one.

Load it after i18n (`{% load i18n language_names %}`): Django's i18n library has a filter of the same name that
gives each language's name in that language itself ("العربية"), which is what a language switcher wants, not a
list of an event's working languages.
"""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Languages people work in that Django does not know, or names it differently from how the portal's readers do.
OWN_NAMES = {"ku": _("Kurdish"), "syc": _("Syriac")}


@register.filter
def language_name_local(code: str) -> str:
    """The name of the language `code` in the language of the page; the code itself when no name is known."""
    if code in OWN_NAMES:
        return str(OWN_NAMES[code])
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
