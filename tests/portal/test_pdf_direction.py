"""Names and other inline runs in a PDF take their own direction (portal.pdf.resolve_auto_direction): WeasyPrint
shapes each inline element on its own but, unlike a browser, gives `<bdi>` and `dir="auto"` the direction around
them, which sets an English name right to left in an Arabic sentence."""

from __future__ import annotations

import io

from pypdf import PdfReader
from tinyhtml5 import parse

from portal import pdf


def text_of(html: str) -> str:
    style = "font-family: 'Noto Sans', 'Noto Sans Arabic', sans-serif"
    data = pdf.render_pdf(f'<html><body style="{style}">{html}</body></html>')
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_english_name_in_an_arabic_sentence_runs_left_to_right() -> None:
    text = text_of('<p dir="rtl" lang="ar">يمثل المشارك <bdi>Adopt a Revolution e.V.</bdi></p>')

    # Its full stop stays at its end, not at the far end of the name.
    assert "Adopt a Revolution e.V." in text
    assert ".Adopt" not in text


def test_arabic_name_in_an_english_sentence_runs_right_to_left() -> None:
    text = text_of('<p dir="ltr">Represented by <bdi>رابطة عائلات قيصر.</bdi></p>')

    assert "Represented by .رابطة عائلات قيصر" in text


def test_dir_auto_takes_the_direction_of_the_first_strong_character() -> None:
    text = text_of('<p dir="rtl" lang="ar">ممثلة بـ <span dir="auto">Adopt a Revolution e.V.</span></p>')

    assert "Adopt a Revolution e.V." in text


def test_resolution_skips_nested_elements_with_their_own_direction() -> None:
    root = parse(
        '<p><bdi id="a"><span dir="rtl">قيصر</span> Caesar</bdi> <bdi id="b">2011</bdi> '
        '<span id="c" dir="auto"><bdi>English</bdi> عربي</span></p>',
        namespace_html_elements=False,
    )

    pdf.resolve_auto_direction(root)

    directions = {element.get("id"): element.get("dir") for element in root.iter() if element.get("id")}
    # "b" has no strong character: it keeps the direction around it.
    assert directions == {"a": "ltr", "b": None, "c": "rtl"}
