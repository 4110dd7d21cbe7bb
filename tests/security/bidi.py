"""Finding text whose direction can leak: a direction control (U+202E, the right-to-left override) in a text node
that is not isolated from what follows it, in a page's HTML.

A node is isolated when the element holding it is `<bdi>` or carries a `dir` attribute (HTML's own style sheet
gives both `unicode-bidi: isolate`), or when the control sits between Unicode's isolate marks; the `isolate`
template filter writes `<bdi>` around exactly the text it isolates, `isolate_text` the marks. `<title>`,
`<option>` and `<textarea>` hold text only, no element: an override there cannot reach past them, and neither
can one in an attribute.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from django.db import connection, models

OVERRIDE = "\u202e"
# Text between Unicode's isolate marks (LRI, RLI or FSI ... PDI) is isolated in plain text too.
ISOLATED_RUN = re.compile("[\u2066\u2067\u2068][^\u2069]*\u2069")
HOLDS_TEXT_ONLY = {"title", "option", "textarea", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Leaks(HTMLParser):
    def __init__(self, char: str) -> None:
        super().__init__(convert_charrefs=True)
        self.char = char
        self.open: list[tuple[str, bool]] = []  # (tag, isolates)
        self.leaks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            isolates = tag == "bdi" or any(name == "dir" for name, _value in attrs)
            self.open.append((tag, isolates))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        data = ISOLATED_RUN.sub("", data)
        if self.char not in data or not self.open:
            return
        tag, isolates = self.open[-1]
        if not isolates and tag not in HOLDS_TEXT_ONLY:
            self.leaks.append(f"<{tag}>{' '.join(data.split())[:80]}")


def leaking(html: str, char: str = OVERRIDE) -> list[str]:
    """The text nodes of `html` that hold `char` outside an isolating element, each with its element's tag."""
    parser = _Leaks(char)
    parser.feed(html)
    parser.close()
    return parser.leaks


def store_as_old_rows_are(model: type[models.Model], pk: Any, **values: str) -> None:
    """Write `values` into the row as it was before names were cleaned: in SQL, past the field that cleans them
    (portal.text.SingleLineField cleans whatever reaches the database through Django, update() included)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(model._meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), pk])  # noqa: S608
