"""The directory as a spreadsheet: coordinators export what they may see and import lists they vouch for.

Callers have checked portal.permissions.can_import_export_directory. The export still shows each person only
what portal.permissions lets them see; the import checks every row before it writes any.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations import services
from organizations.forms import OrganizationForm
from organizations.models import Governorate, HistoryEntry, Organization, Topic, normalize_for_search
from portal.models import User
from portal.permissions import can_see_contact

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
LIST_SEPARATOR = ";"

EXPORT_COLUMNS = [
    "slug",
    "name_en",
    "name_ar",
    "acronym",
    "kind",
    "status",
    "hq_country",
    "countries",
    "governorates",
    "topics",
    "website",
    *Organization.CONTACT_FIELDS,
]
IMPORT_COLUMNS = [
    *[f"name_{code}" for code in LANGUAGE_CODES],
    "acronym",
    "kind",
    "hq_country",
    "countries",
    "governorates",
    "topics",
    "website",
    *Organization.CONTACT_FIELDS,
    "listed_publicly",
]
# Columns of an exported file that an import reads past, so that an export can be edited and imported.
# Contact details are imported with the default visibility of each (coordinators or the organisation only).
IGNORED_COLUMNS = set(EXPORT_COLUMNS) - set(IMPORT_COLUMNS)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# Export -----------------------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """`value`, made inert for spreadsheets: a cell that would start a formula starts with a quote."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def export_directory_csv(user: User) -> str:
    """One row per organisation `user` may see; contact details only where they may see them."""
    organizations = Organization.objects.visible_to(user).with_directory_data().order_by("name", "pk")
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(EXPORT_COLUMNS)
    for organization in organizations:
        writer.writerow([neutralise(value) for value in _export_row(user, organization)])
    return output.getvalue()


def _export_row(user: User, organization: Organization) -> list[str]:
    contacts = [
        getattr(organization, name) if can_see_contact(user, organization, getattr(organization, audience)) else ""
        for name, audience in Organization.CONTACT_FIELDS.items()
    ]
    return [
        organization.slug,
        organization.name_en or "",
        organization.name_ar or "",
        organization.acronym,
        organization.kind,
        organization.status,
        organization.hq_country.code or "",
        LIST_SEPARATOR.join(country.code for country in organization.countries),
        LIST_SEPARATOR.join(sorted(governorate.code for governorate in organization.governorates.all())),
        LIST_SEPARATOR.join(sorted(topic.slug for topic in organization.topics.all())),
        organization.website,
        *contacts,
    ]


# Import -----------------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, comma-separated, at most 2 MB and 5000 organisations."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class OrganizationRowForm(OrganizationForm):
    """One row of an imported file: the profile form's rules, with focus areas and governorates by code."""

    topics = forms.MultipleChoiceField(label=gettext_lazy("Focus areas"), required=False)
    governorates = forms.MultipleChoiceField(label=gettext_lazy("Syrian governorates of operation"), required=False)
    listed_publicly = forms.TypedChoiceField(
        label=gettext_lazy("listed in the public directory"),
        choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        coerce=lambda value: value == "yes",
        empty_value=False,
        required=False,
    )

    class Meta(OrganizationForm.Meta):
        fields = [
            *[f"name_{code}" for code in LANGUAGE_CODES],
            *[f"description_{code}" for code in LANGUAGE_CODES],
            "acronym",
            "kind",
            "hq_country",
            "countries",
            "website",
            *Organization.CONTACT_FIELDS,
            "listed_publicly",
        ]

    def __init__(self, *args: Any, topics: list[str], governorates: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A file has no page language: any one name will do.
        for code in LANGUAGE_CODES:
            self.fields[f"name_{code}"].required = False
        self.fields["topics"].choices = [(slug, slug) for slug in topics]
        self.fields["governorates"].choices = [(code, code) for code in governorates]


def reference_codes() -> dict[str, Any]:
    """The focus areas and governorates a file may name, for the upload page."""
    return {"topics": Topic.objects.all(), "governorates": Governorate.objects.all()}


@dataclass
class RowErrors:
    """What is wrong with the row that starts at `line` of the file (line 1 names the columns)."""

    line: int
    errors: dict[str, list[str]]


@dataclass
class ImportReport:
    imported: list[Organization] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    rows: list[RowErrors] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.rows


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


class _FileRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_organizations_csv(actor: User, file: IO[bytes]) -> ImportReport:
    """Check every row of the CSV `file`; if all are right, import them as verified organisations.

    Nothing is imported when any row is wrong: the report then lists each wrong row with its line number.
    """
    try:
        rows = _read_rows(file)
    except _FileRejected as rejected:
        return ImportReport(file_errors=[rejected.message])
    forms_by_line, report = _validate(rows)
    if report.ok:
        report.imported = import_organizations(actor, list(forms_by_line.values()))
    return report


def _read_rows(file: IO[bytes]) -> list[_Row]:
    raw = file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise _FileRejected(
            _("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": filesizeformat(MAX_IMPORT_BYTES)}
        )
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FileRejected(
            _("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and upload it again.")
        ) from None
    if "\x00" in text:
        raise _FileRejected(_("The file is not a CSV file. Save it from your spreadsheet as “CSV UTF-8”."))
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to French, Spanish or Russian save CSV files with semicolons between columns.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        columns = _check_columns(header)
        rows = []
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_IMPORT_ROWS:
                raise _FileRejected(
                    _("The file has more than %(limit)d organisations. Split it into smaller files.")
                    % {"limit": MAX_IMPORT_ROWS}
                )
            values = {
                name: _unneutralise(cells[index].strip()) for index, name in columns.items() if index < len(cells)
            }
            rows.append(_Row(start, values))
    except csv.Error:
        raise _FileRejected(_("The file is not a CSV file. Save it from your spreadsheet as “CSV UTF-8”.")) from None
    if not rows:
        raise _FileRejected(_("The file has no organisations below its first line."))
    return rows


def _check_columns(header: list[str]) -> dict[int, str]:
    """Column index -> import column; the file is rejected if its first line does not name the columns."""
    if not header or not any(name in header for name in ("name_en", "name_ar")):
        raise _FileRejected(
            _("The first line must name the columns, among them name_en or name_ar. The columns are: %(columns)s.")
            % {"columns": ", ".join(IMPORT_COLUMNS)}
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise _FileRejected(_("These columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicated)})
    unknown = [name for name in header if name and name not in IMPORT_COLUMNS and name not in IGNORED_COLUMNS]
    if unknown:
        raise _FileRejected(
            _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(IMPORT_COLUMNS)}
        )
    return {index: name for index, name in enumerate(header) if name in IMPORT_COLUMNS}


def _unneutralise(value: str) -> str:
    """Undo `neutralise`, so that an exported file imports as it was."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def _form_data(cells: dict[str, str]) -> MultiValueDict:
    data = MultiValueDict({name: [value] for name, value in cells.items()})

    def items(name: str, transform: Any) -> list[str]:
        return [transform(item.strip()) for item in cells.get(name, "").split(LIST_SEPARATOR) if item.strip()]

    data.setlist("countries", items("countries", str.upper))
    data.setlist("governorates", items("governorates", str.lower))
    data.setlist("topics", items("topics", str.lower))
    data["hq_country"] = cells.get("hq_country", "").upper()
    data["kind"] = cells.get("kind", "").lower() or Organization.Kind.CSO
    data["listed_publicly"] = cells.get("listed_publicly", "").lower() or "no"
    return data


def _validate(rows: list[_Row]) -> tuple[dict[int, OrganizationRowForm], ImportReport]:
    topics = list(Topic.objects.values_list("slug", flat=True))
    governorates = list(Governorate.objects.values_list("code", flat=True))
    # A name already in the directory, or twice in the file, is most likely the same organisation.
    taken = {
        normalize_for_search(name) for name in Organization.objects.values_list("name_en", flat=True).iterator() if name
    }
    report, valid = ImportReport(), {}
    for row in rows:
        form = OrganizationRowForm(_form_data(row.cells), topics=topics, governorates=governorates)
        errors = {name: list(messages) for name, messages in form.errors.items()} if not form.is_valid() else {}
        name = normalize_for_search(form.cleaned_data.get("name_en") or "")
        if name and name in taken:
            errors.setdefault("name_en", []).append(_("An organisation with this name is already in the directory."))
        taken.add(name)
        if errors:
            report.rows.append(RowErrors(row.line, {(k if k != "__all__" else ""): v for k, v in errors.items()}))
        else:
            valid[row.line] = form
    return valid, report


@transaction.atomic
def import_organizations(actor: User, rows: list[OrganizationRowForm]) -> list[Organization]:
    """Create the organisations of validated rows as verified (the importing coordinator vouches for them)."""
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    governorates = {governorate.code: governorate for governorate in Governorate.objects.all()}
    now = timezone.now()
    created = []
    for form in rows:
        organization = form.instance
        organization.status = Organization.Status.VERIFIED
        organization.verified_at = now
        organization.is_host = False
        organization.slug = services.unique_slug(organization.name_en or organization.name, organization.acronym)
        organization.save()
        organization.topics.set([topics[slug] for slug in form.cleaned_data["topics"]])
        organization.governorates.set([governorates[code] for code in form.cleaned_data["governorates"]])
        created.append(organization)
    HistoryEntry.objects.bulk_create(
        HistoryEntry(organization=organization, actor=actor, action=HistoryEntry.Action.IMPORTED, created_at=now)
        for organization in created
    )
    return created
