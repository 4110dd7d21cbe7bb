"""portal.text: names and titles are one line, with no direction control left open."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.text import EMBEDDINGS, ISOLATES, POP_EMBEDDING, POP_ISOLATE, single_line

CONTROLS = EMBEDDINGS + ISOLATES + POP_EMBEDDING + POP_ISOLATE


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Evil\u202eGnissecorp", "EvilGnissecorp"),  # an override left open
        ("a\u202bb\u202cc", "a\u202bb\u202cc"),  # an embedding and its closing: kept
        ("a\u2067b\u2069c", "a\u2067b\u2069c"),  # an isolate and its closing: kept
        ("a\u2067b\u202ec\u2069d", "a\u2067bc\u2069d"),  # an override the isolate's end would close
        ("\u202cx\u2069", "x"),  # closings of nothing
        ("a\u200fb\u061cc", "a\u200fb\u061cc"),  # marks change no direction past themselves: kept
        ("Consultation\r\non victims'\tparticipation", "Consultation on victims' participation"),
        ("nul\x00and bell\x07", "nuland bell"),
        ("  spaces around  ", "spaces around"),
        ("رابطة عائلات قيصر", "رابطة عائلات قيصر"),
    ],
)
def test_single_line(typed: str, kept: str) -> None:
    assert single_line(typed) == kept


def _depth_never_ends_open(text: str) -> bool:
    """Every opening in `text` is closed, every closing closes something, as the bidi algorithm pairs them."""
    opened: list[str] = []
    for char in text:
        if char in EMBEDDINGS:
            opened.append("e")
        elif char in ISOLATES:
            opened.append("i")
        elif char == POP_EMBEDDING:
            if not opened or opened[-1] != "e":
                return False
            opened.pop()
        elif char == POP_ISOLATE:
            if not opened or opened[-1] != "i":
                return False
            opened.pop()
    return not opened


@given(st.text(alphabet=st.sampled_from([*CONTROLS, "a", "ب", " ", "\n"]), max_size=30))
def test_whatever_is_typed_no_direction_control_is_left_open(typed: str) -> None:
    cleaned = single_line(typed)

    assert _depth_never_ends_open(cleaned)
    assert "\n" not in cleaned
    assert single_line(cleaned) == cleaned
