"""Isolating what people typed from the text around it.

A name or title is shown inside `<bdi>`: its direction is worked out on its own (an Arabic name in an English
sentence, an English one in an Arabic page), and a direction control it carries (U+202E, which reverses what
follows) cannot reach past it. New text is cleaned when saved (portal.text.single_line); this holds for rows
written before, and for text other sites send. Loaded for every template (settings.TEMPLATES' builtins):

    <a href="{{ organization.get_absolute_url }}">{{ organization.name|isolate }}</a>
    {% blocktranslate with name=organization.name|isolate %}Welcome to {{ name }}.{% endblocktranslate %}

Inside an attribute, `<title>` or `<option>`, where no element can go, show the text as it is: it cannot reach
past them. In plain text (an email), `isolate_text` puts it between Unicode's own isolate marks instead.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from portal.text import isolated

register = template.Library()


@register.filter
def isolate(value: Any) -> SafeString | str:
    """`value` escaped inside `<bdi>`; nothing at all when it is empty, so `|default:` still works after it."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolate_text(value: Any) -> str:
    """`value` between the marks that isolate it in plain text (FSI ... PDI); nothing when it is empty."""
    return isolated(str(value)) if value not in (None, "") else ""
