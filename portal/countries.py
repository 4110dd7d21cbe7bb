"""Country names in the reader's language and in that language's alphabetical order, for every list of countries
(filters, forms, endorsers by country).

django-countries names countries in the active language but sorts them with pyuca when it is installed and
otherwise by their ASCII letters only, which leaves an Arabic or Russian list in no order at all. No collation
library is installed (PyICU needs the ICU headers, pyuca is not a dependency), so `collation_key` is a small
collation of our own for the six languages, enough for names: letters compared without case and accents (é as e,
ё as е, أ إ آ as ا, Arabic vowel marks ignored), where Unicode's order of the letters is the alphabet's (Latin,
Cyrillic and Arabic letters are encoded in alphabetical order), and the letters a language's alphabet places
after their base letter kept there (Kurmanji ç ê î ş û, Spanish ñ, Russian й).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Collection

from django.utils import translation
from django_countries import countries

# Letters that a language's alphabet places after their base letter rather than with it.
LETTERS_AFTER_THEIR_BASE = {"ku": "çêîşû", "es": "ñ", "ru": "й"}
AFTER_EVERY_LETTER = "\U0010ffff"


def collation_key(text: str, language: str | None = None) -> tuple[str, str]:
    """A sort key for `text` in `language` (the active language by default): its letters and digits without case,
    accents or marks first, then the text itself to order names that differ only in those."""
    language = (language or translation.get_language() or "en").split("-")[0]
    folded = text.casefold()
    for letter in LETTERS_AFTER_THEIR_BASE.get(language, ""):
        folded = folded.replace(letter, unicodedata.normalize("NFD", letter)[0] + AFTER_EVERY_LETTER)
    letters = "".join(
        char
        for char in unicodedata.normalize("NFKD", folded)
        if char == " " or char == AFTER_EVERY_LETTER or unicodedata.category(char)[0] in "LN"
        if unicodedata.category(char) != "Lm"  # the Arabic tatweel and other modifier letters only stretch a word
    )
    return " ".join(letters.split()), folded


@functools.lru_cache(maxsize=16)
def _all_countries(language: str) -> tuple[tuple[str, str], ...]:
    with translation.override(language):
        named = [(str(code), str(name)) for code, name in countries]
    return tuple(sorted(named, key=lambda country: collation_key(country[1], language)))


def country_choices(codes: Collection[str] | None = None) -> list[tuple[str, str]]:
    """(code, name) of every country, or of those in `codes`, named in the active language and in its order."""
    every = _all_countries(translation.get_language() or "en")
    return list(every) if codes is None else [(code, name) for code, name in every if code in codes]
