"""A part of a page that is the same for every reader, rendered once per public stamp.

Signed-in pages are never served from the public cache, but most of some of them is public: the directory's
filters and results are built from the listed organisations alone, whoever asks. Such a part is wrapped so that
signed-in readers share it too, until the public data changes (portal.publiccache.through_public_cache):

    {% load public_fragment %}
    {% public_fragment "directory" %}...{% end_public_fragment %}

The key is the name, the language and the request's path and query. What is inside must not depend on who is
reading (no `user`, no `perms`, no message) but through the values it is keyed by: the first reader's rendering
is every reader's.

A part that shows rows some readers may see and others not (members' events) is keyed by those rows instead of
the address: the values after the name replace the path and query in the key, and what is inside must follow
from them, the language and the data alone. Who may see the rows is decided before, by the query that chose
them; the stamp covers every table of the project's own, so a change to any row is a new key:

    {% public_fragment "event-cards" upcoming.object_list.ids viewer_zone %}...{% end_public_fragment %}

A form's CSRF token is each reader's own. Inside a fragment, `{% csrf_token %}` renders a placeholder (the same for
every reader, derived from SECRET_KEY so that no content can forge it), which is replaced by the reader's token
each time the fragment is read.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.utils.crypto import salted_hmac
from django.utils.functional import LazyObject, empty
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal.publiccache import digest, through_public_cache

register = template.Library()


class PublicFragmentNode(template.Node):
    def __init__(
        self,
        name: template.base.FilterExpression,
        values: list[template.base.FilterExpression],
        nodelist: template.NodeList,
    ) -> None:
        self.name = name
        self.values = values
        self.nodelist = nodelist

    def render(self, context: Any) -> SafeString:
        request = context.get("request")
        if request is None:  # rendered outside a request (an email, a PDF): nothing to share it with
            return mark_safe(self.nodelist.render(context))  # noqa: S308 - the template's own output
        keyed_by = [_plain(value.resolve(context)) for value in self.values] if self.values else request.get_full_path()
        key = f"fragment:{self.name.resolve(context)}:{get_language()}:{digest(keyed_by)}"

        def compute() -> tuple[str, bool]:
            with context.push(csrf_token=_csrf_placeholder()):
                return self.nodelist.render(context), True

        rendered = through_public_cache(key, compute)
        if _csrf_placeholder() in rendered:
            rendered = rendered.replace(_csrf_placeholder(), str(context.get("csrf_token", "")))
        return mark_safe(rendered)  # noqa: S308 - the template's own output


def _plain(value: Any) -> Any:
    """What a lazy value stands for (the menu's flags are SimpleLazyObjects): keyed by its repr, an unread one
    would name its function's address, a new key for every request."""
    if isinstance(value, LazyObject):
        if value._wrapped is empty:  # type: ignore[attr-defined]
            value._setup()  # type: ignore[attr-defined]
        return value._wrapped  # type: ignore[attr-defined]
    return value


@functools.cache
def _csrf_placeholder() -> str:
    return "csrf" + salted_hmac("portal.public_fragment.csrf", "placeholder").hexdigest()[:32]


@register.tag("public_fragment")
def public_fragment(parser: template.base.Parser, token: template.base.Token) -> PublicFragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes the fragment's name, then what it is keyed by if not the address"
        )
    nodelist = parser.parse(("end_public_fragment",))
    parser.delete_first_token()
    return PublicFragmentNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist
    )
