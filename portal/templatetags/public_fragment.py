"""A part of a page that is the same for every reader, rendered once per public stamp.

Signed-in pages are never served from the public cache, but most of some of them is public: the directory's
filters and results are built from the listed organisations alone, whoever asks. Such a part is wrapped so that
signed-in readers share it too, until the public data changes (portal.publiccache.through_public_cache):

    {% load public_fragment %}
    {% public_fragment "directory" %}...{% end_public_fragment %}

The key is the name, the language and the request's path and query. What is inside must not depend on who is
reading (no `user`, no `perms`, no form with a CSRF token, no message): the first reader's rendering is every
reader's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal.publiccache import through_public_cache

register = template.Library()


class PublicFragmentNode(template.Node):
    def __init__(self, name: template.base.FilterExpression, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: Any) -> SafeString:
        request = context.get("request")
        if request is None:  # rendered outside a request (an email, a PDF): nothing to share it with
            return mark_safe(self.nodelist.render(context))  # noqa: S308 - the template's own output
        address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"fragment:{self.name.resolve(context)}:{get_language()}:{address}"

        rendered = through_public_cache(key, lambda: (self.nodelist.render(context), True))
        return mark_safe(rendered)  # noqa: S308 - the template's own output


@register.tag("public_fragment")
def public_fragment(parser: template.base.Parser, token: template.base.Token) -> PublicFragmentNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument: the fragment's name")
    nodelist = parser.parse(("end_public_fragment",))
    parser.delete_first_token()
    return PublicFragmentNode(parser.compile_filter(bits[1]), nodelist)
