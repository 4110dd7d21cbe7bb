"""Endorsements as a spreadsheet: reading a file of endorsements received elsewhere, and the list of endorsers.

The file is read and written by portal.spreadsheets, as the directory's is (organizations.exchange).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.spreadsheets import read_csv

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
ORGANIZATION_COLUMNS = ("organization", "organisation", "slug", "name")
NAMED_COLUMNS = ("named", "named_publicly")
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


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


def _named(value: str) -> bool | None:
    folded = value.strip().casefold()
    if folded in YES or folded == gettext("yes").casefold():
        return True
    if folded in NO or folded == gettext("no").casefold():
        return False
    return None


def read_endorsement_rows(file: IO[bytes]) -> list[Row]:
    """The rows of an uploaded file, each with the line it starts on; ValidationError if it is not a usable CSV."""
    table = read_csv(file, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS)
    organization_column = next((name for name in ORGANIZATION_COLUMNS if name in table.columns), None)
    named_column = next((name for name in NAMED_COLUMNS if name in table.columns), None)
    if organization_column is None or named_column is None:
        raise ValidationError(gettext("The first line must name the columns: organization and named."))
    if not table.rows:
        raise ValidationError(gettext("The file has no endorsements below its first line."))
    return [
        Row(row.line, row.cells.get(organization_column, ""), _named(row.cells.get(named_column, "")))
        for row in table.rows
    ]


def endorser_rows(user: Any, endorsements: list[Any]) -> Iterator[list[str]]:
    """The columns, then the endorsers `user` may see named, one per row (the others are left out, as on the page)."""
    yield ["organization", "name", "country", "endorsed_on", "named_publicly"]
    for endorsement in endorsements:
        if not endorsement.allows(user):
            continue
        organization = endorsement.organization
        row = [
            organization.slug,
            str(organization.name),
            organization.hq_country.code or "",
            timezone.localtime(endorsement.created_at).date().isoformat(),
            "yes" if endorsement.is_named_publicly else "no",
        ]
        yield row
