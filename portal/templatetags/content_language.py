"""The language a translated content field is shown in.

django-modeltranslation falls back to English when a field has no value in the reader's language, so an Arabic
page may show an English description. Marking that element with its own `lang` and `dir` lets screen readers
pronounce it in English and lays it out left to right inside the right-to-left page:

    {% load content_language %}
    <div {% lang_attrs organization "description" %}>{{ organization.description|linebreaks }}</div>
"""

from __future__ import annotations

from django import template
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info
from modeltranslation.fields import NONE, TranslationFieldDescriptor
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

register = template.Library()


@register.filter
def language_of(obj: models.Model, field: str) -> str:
    """The language whose value `obj.<field>` returns for the active language: the active language itself, or
    the fallback modeltranslation took. Walks the same order and emptiness test as modeltranslation's
    descriptor, so the answer always matches the text shown."""
    active = get_language()
    descriptor = getattr(type(obj), field, None)
    if not isinstance(descriptor, TranslationFieldDescriptor):
        return active  # not a translated field: it is shown as written
    undefined = descriptor.fallback_undefined
    if undefined is NONE:
        undefined = descriptor.field.get_default()
    for code in resolution_order(active, descriptor.fallback_languages):
        if descriptor.meaningful_value(getattr(obj, build_localized_fieldname(field, code), None), undefined):
            return code
    return active


@register.filter
def falls_back(obj: models.Model, field: str) -> bool:
    """Whether `obj.<field>` is shown in another language than the active one, for want of a translation."""
    return language_of(obj, field) != get_language()


@register.simple_tag
def lang_attrs(obj: models.Model, field: str, surrounding: str | None = None) -> SafeString | str:
    """`lang="…" dir="…"` for an element holding `obj.<field>` when that text is in another language than the
    element around it (`surrounding`, by default the page's language); nothing when they agree."""
    shown = language_of(obj, field)
    if shown == (surrounding or get_language()):
        return ""
    direction = "rtl" if get_language_info(shown)["bidi"] else "ltr"
    return format_html('lang="{}" dir="{}"', shown, direction)
