"""CSV files for spreadsheets: every export the portal serves and every import it reads goes through here.

Exports neutralise formulas: a spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return
as a formula (CSV injection), so such a cell is written with a quote in front. Imports take the quote off
again, so that an exported file imports as it was.

Imports read UTF-8 (with or without the byte order mark spreadsheets write), with the delimiter a
spreadsheet in any language writes, and number each row with the line it starts on, as a spreadsheet shows
it. A file that cannot be read raises ValidationError with a translated message that says what to do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets set to French, Spanish or Russian save CSV files with semicolons between columns.
DELIMITERS = (",", ";", "\t")

ERROR_MESSAGES: dict[str, StrOrPromise] = {
    "too_large": _("The file is larger than %(limit)s. Split it into smaller files."),
    "not_utf8": _("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and upload it again."),
    "not_csv": _("The file is not a CSV file. Save it from your spreadsheet as “CSV UTF-8”."),
    "too_many_rows": _("The file has more than %(limit)d rows. Split it into smaller files."),
}


# Export -----------------------------------------------------------------------------------------------


def _neutralise(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def write_csv(rows: Iterable[Sequence[str]]) -> str:
    """`rows` (the first names the columns) as CSV text, every cell that would run as a formula neutralised."""
    output = io.StringIO()
    writer = csv.writer(output)
    for row in rows:
        writer.writerow([_neutralise(value) for value in row])
    return output.getvalue()


def csv_response(filename: str, rows: Iterable[Sequence[str]], *, byte_order_mark: bool = True) -> HttpResponse:
    """A download of `rows` (the first names the columns) as the CSV file `filename`, formulas neutralised.

    The byte order mark makes spreadsheets read the file as UTF-8, so Arabic names stay legible.
    """
    content = ("\ufeff" if byte_order_mark else "") + write_csv(rows)
    return HttpResponse(
        content,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(as_attachment=True, filename=filename)},
    )


# Import -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A row of a file: the line it starts on (line 1 names the columns) and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    """What a file holds: the names on its first line (trimmed, in lower case) and its rows, blank ones left out."""

    columns: list[str]
    rows: list[Row]


def read_csv(
    file: IO[bytes],
    *,
    max_bytes: int,
    max_rows: int | None = None,
    error_messages: Mapping[str, StrOrPromise] | None = None,
) -> Table:
    """The columns and rows of an uploaded CSV `file`, cells trimmed and formulas as they were before export.

    Raises ValidationError (codes too_large, not_utf8, not_csv, too_many_rows) for a file larger than
    `max_bytes`, in another encoding, not CSV, or with more than `max_rows` rows; `error_messages` replaces
    the message of a code, as a Django form field's does.
    """
    messages = ERROR_MESSAGES | dict(error_messages or {})

    def rejected(code: str, **params: object) -> ValidationError:
        return ValidationError(messages[code], code=code, params=params or None)

    raw = file.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise rejected("too_large", limit=filesizeformat(max_bytes))
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise rejected("not_utf8") from None
    if "\x00" in text:
        raise rejected("not_csv")
    delimiter = max(DELIMITERS, key=text.split("\n", 1)[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [cell.strip().lower() for cell in next(reader, [])]
        rows: list[Row] = []
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == max_rows:
                raise rejected("too_many_rows", limit=max_rows)
            rows.append(Row(start, _cells(columns, cells)))
    except csv.Error:
        raise rejected("not_csv") from None
    return Table(columns, rows)


def _cells(columns: list[str], cells: list[str]) -> dict[str, str]:
    named: dict[str, str] = {}
    for name, value in zip(columns, cells, strict=False):
        # A column named twice is read from its first place.
        if name and name not in named:
            named[name] = _unneutralise(value.strip())
    return named


def _unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value
