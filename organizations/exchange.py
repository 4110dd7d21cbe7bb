"""The directory as a spreadsheet: coordinators export what they may see and import lists they vouch for.
And one organisation's data as JSON, for its owners (organization_data).

Callers have checked that the person may coordinate (Viewer.may_coordinate), or may manage the members of the
one organisation (Organization.rule). The exports still show each person only what Organization.rule lets them
see; the import
checks every row before it writes any.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from organizations import services, signals
from organizations.forms import OrganizationForm
from organizations.models import (
    Governorate,
    HistoryEntry,
    Organization,
    Topic,
    normalize_for_search,
)
from portal import audit
from portal.access import viewer_of
from portal.forms import field_of
from portal.models import User
from portal.spreadsheets import Row, read_csv

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
NAME_MAX_LENGTH = Organization._meta.get_field("name").max_length
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

TopicLink = Organization.topics.through
GovernorateLink = Organization.governorates.through


# Export -----------------------------------------------------------------------------------------------


def directory_rows(user: User) -> Iterator[list[str]]:
    """The columns, then one row per organisation `user` may see; contact details only where they may see them."""
    organizations = Organization.objects.visible_to(user).with_directory_data().order_by("name", "pk")
    yield EXPORT_COLUMNS
    for organization in organizations:
        yield _export_row(user, organization)


def _export_row(user: User, organization: Organization) -> list[str]:
    contacts = [
        getattr(organization, name) if organization.may_see_contact(user, name) else ""
        for name in Organization.CONTACT_FIELDS
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


class CodesField(forms.Field):
    """Codes separated by semicolons (one code unless `multiple`), each among the `codes` set on the form."""

    default_error_messages = {
        # Django's own message, translated in its catalogue.
        "invalid_choice": gettext_lazy("Select a valid choice. %(value)s is not one of the available choices."),
        "one": gettext_lazy("Give one code only."),
    }

    def __init__(self, *, multiple: bool = True, normalise: Any = str.lower, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.multiple, self.normalise, self.codes = multiple, normalise, frozenset[str]()

    def to_python(self, value: Any) -> list[str] | str:
        items = [self.normalise(item.strip()) for item in (value or "").split(LIST_SEPARATOR) if item.strip()]
        if self.multiple:
            return list(dict.fromkeys(items))
        if len(items) > 1:
            raise forms.ValidationError(self.error_messages["one"], code="one")
        return items[0] if items else ""

    def validate(self, value: list[str] | str) -> None:
        for item in value if self.multiple else [value] if value else []:
            if item not in self.codes:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )


def _model_field(name: str) -> forms.Field:
    """The form field Django makes for a model field, so a row obeys the same limits as the profile."""
    model_field = Organization._meta.get_field(name)
    form_field = model_field.formfield(required=False) if isinstance(model_field, models.Field) else None
    if form_field is None:
        raise TypeError(f"Organization.{name} has no form field")
    return form_field


class OrganizationRowForm(forms.Form):
    """One row of an imported file, checked by the profile's rules; focus areas and governorates by code.

    A dedicated form rather than OrganizationForm: that one spends milliseconds per instance on translated
    country names, which a 5000-row file cannot afford.
    """

    acronym = _model_field("acronym")
    # The same rule as the profile form: some kinds are set by the operators, never claimed.
    kind = forms.ChoiceField(
        choices=[choice for choice in Organization.Kind.choices if choice[0] not in OrganizationForm.operator_kinds]
    )
    hq_country = CodesField(multiple=False, normalise=str.upper)
    countries = CodesField(normalise=str.upper)
    governorates = CodesField()
    topics = CodesField()
    website = _model_field("website")
    email = _model_field("email")
    phone = _model_field("phone")
    address = _model_field("address")
    contact_persons = _model_field("contact_persons")
    listed_publicly = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        coerce=lambda value: value == "yes",
        empty_value=False,  # type: ignore[arg-type]  # django-stubs says str | None; Django takes any value
        required=False,
    )

    def __init__(self, *args: Any, codes: dict[str, frozenset[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in LANGUAGE_CODES:
            self.fields[f"name_{code}"] = forms.CharField(max_length=NAME_MAX_LENGTH, required=False)
        for name, allowed in codes.items():
            field_of(self, name, CodesField).codes = allowed

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        names = [cleaned.get(f"name_{code}") for code in LANGUAGE_CODES]
        if not any(names):
            raise forms.ValidationError(_("Give the organisation's name in at least one language."), code="no_name")
        # English is the fallback language: a name given only in another language stands in for it.
        cleaned["name_en"] = cleaned.get("name_en") or next(name for name in names if name)
        return cleaned

    def organization(self) -> Organization:
        """The organisation the row describes (not saved)."""
        skip = {"topics", "governorates"}
        return Organization(**{name: value for name, value in self.cleaned_data.items() if name not in skip})


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
    """What an import did: the organisations it created, or why it created none."""

    imported: list[Organization] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    rows: list[RowErrors] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.rows


def import_organizations_csv(actor: User, file: IO[bytes]) -> ImportReport:
    """Check every row of the CSV `file`; if all are right, import them as verified organisations.

    Nothing is imported when any row is wrong: the report then lists each wrong row with its line number.
    """
    try:
        rows = _read_rows(file)
    except ValidationError as rejected:
        return ImportReport(file_errors=rejected.messages)
    valid, report = _validate(rows)
    if report.ok:
        report.imported = import_organizations(actor, valid)
    return report


def _read_rows(file: IO[bytes]) -> list[Row]:
    table = read_csv(
        file,
        max_bytes=MAX_IMPORT_BYTES,
        max_rows=MAX_IMPORT_ROWS,
        error_messages={
            "too_many_rows": gettext_lazy(
                "The file has more than %(limit)d organisations. Split it into smaller files."
            )
        },
    )
    _check_columns(table.columns)
    if not table.rows:
        raise ValidationError(_("The file has no organisations below its first line."))
    return table.rows


def _check_columns(header: list[str]) -> None:
    """Reject the file if its first line does not name the import columns."""
    if not header or not any(name in header for name in ("name_en", "name_ar")):
        raise ValidationError(
            _("The first line must name the columns, among them name_en or name_ar. The columns are: %(columns)s.")
            % {"columns": ", ".join(IMPORT_COLUMNS)}
        )
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise ValidationError(_("These columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicated)})
    unknown = [name for name in header if name and name not in IMPORT_COLUMNS and name not in IGNORED_COLUMNS]
    if unknown:
        raise ValidationError(
            _("Unknown columns: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(IMPORT_COLUMNS)}
        )


def _form_data(cells: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in cells.items() if name in IMPORT_COLUMNS} | {
        "kind": cells.get("kind", "").lower() or Organization.Kind.CSO,
        "listed_publicly": cells.get("listed_publicly", "").lower() or "no",
    }


def _validate(rows: list[Row]) -> tuple[list[OrganizationRowForm], ImportReport]:
    country_codes = frozenset(countries.countries)
    codes = {
        "hq_country": country_codes,
        "countries": country_codes,
        "topics": frozenset(Topic.objects.values_list("slug", flat=True)),
        "governorates": frozenset(Governorate.objects.values_list("code", flat=True)),
    }
    # A name already registered, or twice in the file, is most likely the same organisation.
    taken = {normalize_for_search(name) for name in Organization.objects.values_list("name_en", flat=True) if name}
    report, valid = ImportReport(), []
    for row in rows:
        form = OrganizationRowForm(_form_data(row.cells), codes=codes)
        errors = (
            {}
            if form.is_valid()
            else {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        )
        name = normalize_for_search(form.cleaned_data.get("name_en") or "")
        if name and name in taken:
            errors.setdefault("name_en", []).append(_("An organisation with this name is already registered."))
        taken.add(name)
        if errors:
            report.rows.append(
                RowErrors(row.line, {"" if key == NON_FIELD_ERRORS else key: v for key, v in errors.items()})
            )
        else:
            valid.append(form)
    return valid, report


@transaction.atomic
def import_organizations(actor: User, rows: list[OrganizationRowForm]) -> list[Organization]:
    """Create the organisations of validated rows as verified (the importing coordinator vouches for them)."""
    topic_ids = dict(Topic.objects.values_list("slug", "pk"))
    governorate_ids = dict(Governorate.objects.values_list("code", "pk"))
    now = timezone.now()
    importer_is_operator = viewer_of(actor).is_operator  # importing as verified is a decision (Organization.rule)
    created, topic_links, governorate_links = [], [], []
    for form in rows:
        organization = form.organization()
        organization.status = Organization.Status.VERIFIED
        organization.decided_by_operator = importer_is_operator
        organization.verified_at = now
        organization.is_host = False
        organization.slug = services.unique_slug(organization.name_en or organization.name, organization.acronym)
        organization.save()
        created.append(organization)
        # Linked in bulk below: a file may hold thousands of rows.
        topic_links += [
            TopicLink(organization_id=organization.pk, topic_id=topic_ids[slug]) for slug in form.cleaned_data["topics"]
        ]
        governorate_links += [
            GovernorateLink(organization_id=organization.pk, governorate_id=governorate_ids[code])
            for code in form.cleaned_data["governorates"]
        ]
    TopicLink.objects.bulk_create(topic_links)
    GovernorateLink.objects.bulk_create(governorate_links)
    # The same entry services.record() writes, in one query for the whole file.
    HistoryEntry.objects.bulk_create(
        HistoryEntry(organization=organization, actor=actor, action=HistoryEntry.Action.IMPORTED, created_at=now)
        for organization in created
    )
    audit.record(None, audit.Action.IMPORT, actor=actor, kind="organizations", count=len(created))
    return created


# One organisation's data, for its owners ---------------------------------------------------------------


def organization_data(user: User, organization: Organization) -> dict[str, Any]:
    """Everything the portal holds about `organization`, as far as `user` (one of its owners) may see it:
    the profile, the members, the history, the agreements, the event invitations and the endorsements."""
    return {
        "generated_at": timezone.now(),
        "profile": _profile(user, organization),
        "members": [
            {
                "name": membership.user.full_name,
                "email": membership.user.email,
                "role": membership.role,
                "joined": membership.created_at,
            }
            for membership in organization.memberships.select_related("user").order_by("user__email")
        ]
        if organization.allows(user, Organization.VIEW_MEMBERS)
        else [],
        "history": _history(user, organization),
        **_sections(user, organization),
        "networks": [
            {"network": link.network.name, "confirmed": link.confirmed}
            for link in organization.networks_joined.select_related("network")
        ],
        "network_members": [
            {"member": link.member.name, "confirmed": link.confirmed}
            for link in organization.network_memberships.select_related("member")
        ],
    }


def _sections(user: User, organization: Organization) -> dict[str, Any]:
    """The parts the apps built on organisations add to the export (see organizations.signals)."""
    sections: dict[str, Any] = {}
    for _receiver, part in signals.export_sections.send(Organization, user=user, organization=organization):
        sections.update(part)  # type: ignore[arg-type]  # django-stubs: a response is str | None; here a dict
    return sections


def _profile(user: User, organization: Organization) -> dict[str, Any]:
    translated = {
        f"{base}_{code}": getattr(organization, f"{base}_{code}")
        for base in ("name", "description")
        for code in LANGUAGE_CODES
    }
    contacts = organization.visible_contacts(user)
    return {
        "address": organization.slug,
        **translated,
        "acronym": organization.acronym,
        "kind": organization.kind,
        "status": organization.status,
        "is_host": organization.is_host,
        "listed_publicly": organization.listed_publicly,
        "founded_year": organization.founded_year,
        "hq_country": str(organization.hq_country),
        "countries": [str(country) for country in organization.countries],
        "governorates": sorted(organization.governorates.values_list("code", flat=True)),
        "topics": sorted(organization.topics.values_list("slug", flat=True)),
        "working_languages": organization.working_languages,
        "website": organization.website,
        "social_links": organization.social_links,
        "logo": organization.logo.name or "",
        **{name: contacts.get(name, "") for name in Organization.CONTACT_FIELDS},
        **{visibility: getattr(organization, visibility) for visibility in Organization.CONTACT_FIELDS.values()},
        "created": organization.created_at,
        "verified": organization.verified_at,
    }


def _history(user: User, organization: Organization) -> list[dict[str, Any]]:
    if not organization.allows(user, Organization.VIEW_HISTORY):
        return []
    show_actors = organization.allows(user, Organization.VIEW_HISTORY_ACTORS)
    entries = []
    for entry in organization.history.select_related("actor"):
        hidden = organization.hidden_history_fields(user, entry)
        entries.append(
            {
                "when": entry.created_at,
                **({"who": str(entry.actor) if entry.actor else _("a former member")} if show_actors else {}),
                "action": entry.action,
                "changes": {name: change for name, change in entry.changes_shown() if name not in hidden},
                "message": entry.message,
            }
        )
    return entries
