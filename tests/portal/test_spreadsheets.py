"""The one CSV reader and writer: formulas neutralised on the way out and restored on the way in, UTF-8 with or
without a byte order mark, the delimiter a spreadsheet in any language writes, and a reason for every refusal."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from portal.spreadsheets import Table, csv_response, read_csv, write_csv

FORMULAS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]


def read(content: str | bytes, **options: Any) -> Table:
    raw = content.encode() if isinstance(content, str) else content
    return read_csv(io.BytesIO(raw), **{"max_bytes": 1024, **options})


def refusal(content: str | bytes, **options: Any) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        read(content, **options)
    return raised.value


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_cell_that_would_run_as_a_formula_is_written_with_a_quote(formula: str) -> None:
    text = write_csv([["name"], [formula], ["plain-text"]])

    assert list(csv.reader(io.StringIO(text))) == [["name"], [f"'{formula}"], ["plain-text"]]


def test_a_value_with_a_dash_or_a_sign_inside_is_left_alone() -> None:
    assert write_csv([["https://example.org/-x", "office+news@example.org"]]) == (
        "https://example.org/-x,office+news@example.org\r\n"
    )


def test_the_download_is_an_attachment_with_a_byte_order_mark() -> None:
    response = csv_response("organizations-2025-03-01.csv", [["name"], ["=1+2"]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="organizations-2025-03-01.csv"'
    assert response.content.decode("utf-8") == "\ufeffname\r\n'=1+2\r\n"


def test_the_download_can_go_without_a_byte_order_mark() -> None:
    response = csv_response("list.csv", [["email"]], byte_order_mark=False)

    assert response.content == b"email\r\n"


def test_a_file_name_in_arabic_is_encoded_for_the_header() -> None:
    response = csv_response("رسالة.csv", [["name"]])

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%D8%B1%D8%B3%D8%A7%D9%84%D8%A9.csv"


@pytest.mark.parametrize("formula", FORMULAS)
def test_an_exported_file_reads_back_as_it_was(formula: str) -> None:
    table = read(write_csv([["Name"], [f"{formula}x"]]).encode("utf-8-sig"))

    assert table.columns == ["name"]
    assert [row.cells for row in table.rows] == [{"name": f"{formula}x"}]


def test_columns_are_read_by_name_trimmed_and_a_column_named_twice_from_its_first_place() -> None:
    table = read(" Email ;Language;email;\nnour@example.org ; ar ;other@example.org;x\nhevi@example.org\n")

    assert table.columns == ["email", "language", "email", ""]
    assert [row.cells for row in table.rows] == [
        {"email": "nour@example.org", "language": "ar"},
        {"email": "hevi@example.org"},
    ]


def test_rows_carry_the_line_they_start_on_and_blank_rows_are_left_out() -> None:
    table = read('name,address\nA,"one\ntwo"\n\n,\nB,\n')

    assert [(row.line, row.cells["name"]) for row in table.rows] == [(2, "A"), (6, "B")]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("name\n" + "x" * 2000, "too_large"),
        ("name\nZoé\n".encode("latin-1"), "not_utf8"),
        ("name\nA\x00\n", "not_csv"),
        ("name\n" + "x" * 200_000 + "\n", "not_csv"),
        ("name\nA\nB\nC\n", "too_many_rows"),
    ],
    ids=["too-large", "latin-1", "nul", "huge-cell", "too-many-rows"],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(content: str | bytes, code: str) -> None:
    error = refusal(content, max_bytes=300_000 if code in {"not_csv", "too_many_rows"} else 1024, max_rows=2)

    assert error.code == code
    assert error.messages and "%(" not in error.messages[0]


def test_a_message_can_be_replaced() -> None:
    error = refusal("name\nA\nB\n", max_rows=1, error_messages={"too_many_rows": "More than %(limit)d lines."})

    assert error.messages == ["More than 1 lines."]
