"""Single-line text people type (names, titles): one line, and no direction control left open.

A name with a right-to-left override (U+202E) left open reverses whatever a page shows after it, so that a
listing can be made to say something else; a line break in a title breaks the formats that hold one line (an
iCalendar summary, an email subject). `single_line` cleans such text and `SingleLineField` applies it to every
save, whatever the path (forms, the API, imports, the admin). Templates isolate names as well (the `isolate`
filter, portal/templatetags/bidi.py), for rows written before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import models

# Opened by one of these, closed by U+202C (PDF): LRE, RLE, LRO, RLO.
EMBEDDINGS = "\u202a\u202b\u202d\u202e"
POP_EMBEDDING = "\u202c"
# Opened by one of these, closed by U+2069 (PDI): LRI, RLI, FSI.
ISOLATES = "\u2066\u2067\u2068"
POP_ISOLATE = "\u2069"
# Line and paragraph separators, and the other control characters, which a single line has no use for.
BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def balanced_bidi(text: str) -> str:
    """`text` without the direction controls that are not closed within it (nor closings with no opening), as
    Unicode's bidirectional algorithm pairs them: a PDF closes the last embedding or override opened inside the
    same isolate, a PDI the last isolate. Pairs are kept: they cannot reach past the text."""
    keep = [True] * len(text)
    opened: list[tuple[int, str]] = []  # (position, EMBEDDINGS or ISOLATES)
    for position, char in enumerate(text):
        if char in EMBEDDINGS:
            opened.append((position, EMBEDDINGS))
        elif char in ISOLATES:
            opened.append((position, ISOLATES))
        elif char == POP_EMBEDDING:
            if opened and opened[-1][1] == EMBEDDINGS:
                opened.pop()
            else:
                keep[position] = False
        elif char == POP_ISOLATE:
            if any(kind == ISOLATES for _position, kind in opened):
                # An embedding still open inside the isolate is closed by it: drop it, so all that is left pairs.
                while opened[-1][1] != ISOLATES:
                    keep[opened.pop()[0]] = False
                opened.pop()
            else:
                keep[position] = False
    for position, _kind in opened:
        keep[position] = False
    return "".join(char for char, kept in zip(text, keep, strict=True) if kept)


def isolated(text: str) -> str:
    """`text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: in plain text, where no element can
    isolate it, its direction is its own and no control inside it reaches past it."""
    return f"\u2068{text}\u2069"


def single_line(text: str) -> str:
    """`text` on one line (line breaks and tabs become a space), without control characters and without
    direction controls left open, trimmed."""
    return balanced_bidi(CONTROLS.sub("", BREAKS.sub(" ", text))).strip()


class SingleLineField(models.CharField):
    """A CharField whose text is cleaned by `single_line` when a form validates it and whenever it is saved."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return single_line(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if isinstance(value, str) and (cleaned := single_line(value)) != value:
            # Straight into the instance: for a field django-modeltranslation translates, setting the attribute
            # would write the active language's column instead.
            model_instance.__dict__[self.attname] = cleaned
            return cleaned
        return value

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        # The cleaning is behaviour, not schema: migrations see the CharField the column is.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
