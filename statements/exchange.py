"""Endorsements as a spreadsheet: reading a file of endorsements received elsewhere, and the list of endorsers.

The approach is the directory's (organizations.exchange): UTF-8 only, the delimiter a spreadsheet in any
language writes, line numbers as the spreadsheet shows them, and cells that would run as formulas neutralised.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
ORGANIZATION_COLUMNS = ("organization", "organisation", "slug", "name")
NAMED_COLUMNS = ("named", "named_publicly")
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """`value`, made inert for spreadsheets: a cell that would start a formula starts with a quote."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma-separated, at most 1 MB and 5000 endorsements."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@dataclass
class Row:
    line: int
    organization: str
    named: bool | None  # None: neither yes nor no


class FileRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _named(value: str) -> bool | None:
    folded = value.strip().casefold()
    if folded in YES or folded == gettext("yes").casefold():
        return True
    if folded in NO or folded == gettext("no").casefold():
        return False
    return None


def read_endorsement_rows(file: IO[bytes]) -> list[Row]:
    """The rows of an uploaded file, each with the line it starts on; FileRejected if it is not a usable CSV."""
    raw = file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise FileRejected(
            gettext("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": filesizeformat(MAX_IMPORT_BYTES)}
        )
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(
            gettext("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and upload it again.")
        ) from None
    if "\x00" in text:
        raise FileRejected(gettext("The file is not a CSV file. Save it from your spreadsheet as “CSV UTF-8”."))
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to French, Spanish or Russian save CSV files with semicolons between columns.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        organization_index = next((header.index(name) for name in ORGANIZATION_COLUMNS if name in header), None)
        named_index = next((header.index(name) for name in NAMED_COLUMNS if name in header), None)
        if organization_index is None or named_index is None:
            raise FileRejected(gettext("The first line must name the columns: organization and named."))
        rows, line = [], reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_IMPORT_ROWS:
                raise FileRejected(
                    gettext("The file has more than %(limit)d rows. Split it into smaller files.")
                    % {"limit": MAX_IMPORT_ROWS}
                )
            organization = cells[organization_index].strip() if organization_index < len(cells) else ""
            named = cells[named_index] if named_index < len(cells) else ""
            rows.append(Row(start, unneutralise(organization), _named(named)))
    except csv.Error:
        raise FileRejected(
            gettext("The file is not a CSV file. Save it from your spreadsheet as “CSV UTF-8”.")
        ) from None
    if not rows:
        raise FileRejected(gettext("The file has no endorsements below its first line."))
    return rows


def export_endorsers_csv(user: Any, endorsements: list[Any]) -> str:
    """The endorsers `user` may see named, one per row (the others are left out, as on the page)."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["organization", "name", "country", "endorsed_on", "named_publicly"])
    for endorsement in endorsements:
        if not endorsement.allows(user):
            continue
        organization = endorsement.organization
        row = [
            organization.slug,
            str(organization.name),
            organization.hq_country.code or "",
            timezone.localtime(endorsement.created_at).date().isoformat(),
            "yes" if endorsement.named_publicly else "no",
        ]
        writer.writerow([neutralise(value) for value in row])
    return output.getvalue()
