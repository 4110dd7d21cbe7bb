"""Every change to statements and their endorsements goes through these functions.

Each runs in a transaction, records statement-level changes in the statement's history, and emails the people
concerned once the transaction has committed (portal.mail.notify). Callers have checked the models' access rules for
the management operations; endorsing and withdrawing check again here, because they act in an organisation's
name.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Lower, NullIf
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from organizations.models import Membership, NamedAct, Organization, OrganizationQuerySet, normalize_for_search
from portal import audit, slugs
from portal.access import ANONYMOUS, viewer_of
from portal.countries import collation_key
from portal.mail import notify, render_email
from portal.models import User
from portal.publiccache import cached_public
from statements import exchange
from statements.models import LANGUAGE_CODES, Endorsement, Statement, StatementHistoryEntry, endorsement_counts

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Action = StatementHistoryEntry.Action
Status = Statement.Status

# Addresses under /statements/ that name pages, not statements.
RESERVED_SLUGS = {"new", "feed"}


def record(statement: Statement, actor: User | None, action: str, message: str = "") -> StatementHistoryEntry:
    return StatementHistoryEntry.objects.create(statement=statement, actor=actor, action=action, message=message)


def owners_of(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__organization=organization, memberships__role=Membership.Role.OWNER
    )


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """Suffixed every time: a "-2" would tell that another organisation's draft has the same title."""
    return slugs.unique_slug(
        Statement, title, fallback="statement", reserved=RESERVED_SLUGS, exclude_pk=exclude_pk, always_suffixed=True
    )


# The statement ----------------------------------------------------------------------------------------


@transaction.atomic
def save_statement(actor: User, statement: Statement) -> Statement:
    """Create or update a statement; its owner must be a verified organisation."""
    if not statement.owner.is_verified:
        raise ValidationError(_("Statements are published by a verified organisation."), code="owner")
    created = statement.pk is None
    if not statement.slug:
        statement.slug = unique_slug(statement.title_en or statement.title)
    statement.save()
    record(statement, actor, Action.CREATED if created else Action.EDITED)
    return statement


def _locked(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


def _transition(statement: Statement, allowed_from: Iterable[str], error: StrOrPromise) -> Statement:
    locked = _locked(statement)
    if locked.status not in allowed_from:
        raise ValidationError(error, code="invalid_transition")
    if not locked.published_languages:
        raise ValidationError(
            _("Choose at least one published language version before the statement is shown."), code="no_language"
        )
    return locked


@transaction.atomic
def open_statement(actor: User, statement: Statement) -> Statement:
    """Show the statement and let organisations endorse it (from opens_at, or now)."""
    locked = _transition(
        statement, [Status.DRAFT, Status.CLOSED], _("Only a draft or a closed statement can be opened.")
    )
    now = timezone.now()
    locked.status = Status.OPEN
    locked.opens_at = locked.opens_at or now
    if locked.closes_at is not None and locked.closes_at <= now:
        locked.closes_at = None  # reopening a closed statement: its old closing time is over
    locked.save(update_fields=["status", "opens_at", "closes_at", "updated_at"])
    record(locked, actor, Action.OPENED)
    return locked


@transaction.atomic
def publish_statement(actor: User, statement: Statement) -> Statement:
    """Publish the text with its endorsers. An open statement goes on taking endorsements until its window
    closes; one published straight from a draft takes none."""
    locked = _transition(
        statement, [Status.DRAFT, Status.OPEN], _("Only a draft or an open statement can be published.")
    )
    if locked.status == Status.OPEN and locked.opens_at is None:
        locked.opens_at = timezone.now()  # it was open: publishing keeps its window as it was
    locked.status = Status.PUBLISHED
    locked.published_on = locked.published_on or timezone.localdate()
    locked.save(update_fields=["status", "published_on", "opens_at", "updated_at"])
    record(locked, actor, Action.PUBLISHED)
    return locked


@transaction.atomic
def close_statement(actor: User, statement: Statement) -> Statement:
    """No more endorsements; the statement stays readable."""
    locked = _transition(
        statement, [Status.OPEN, Status.PUBLISHED], _("Only an open or a published statement can be closed.")
    )
    now = timezone.now()
    locked.status = Status.CLOSED
    if locked.closes_at is None or locked.closes_at > now:
        locked.closes_at = now
    locked.save(update_fields=["status", "closes_at", "updated_at"])
    record(locked, actor, Action.CLOSED)
    return locked


# Endorsing --------------------------------------------------------------------------------------------


def _already_endorsed(statement: Statement, organization: Organization) -> ValidationError:
    existing = Endorsement.objects.filter(statement=statement, organization=organization).first()
    when = timezone.localtime(existing.created_at if existing else timezone.now())
    return ValidationError(
        _(
            "%(name)s has already endorsed this statement (on %(date)s). An organisation endorses only once: "
            "ask the colleague who endorsed, or an owner, if it should be withdrawn."
        )
        % {"name": organization.name, "date": date_format(when, "DATE_FORMAT")},
        code="duplicate",
    )


def _create(endorsement: Endorsement) -> Endorsement:
    # The unique constraint decides between two people of one organisation endorsing at the same moment.
    try:
        with transaction.atomic():
            endorsement.save(force_insert=True)
            return endorsement
    except IntegrityError as exc:
        raise _already_endorsed(endorsement.statement, endorsement.organization) from exc


@transaction.atomic
def endorse(user: User, statement: Statement, organization: Organization, *, named_publicly: bool) -> Endorsement:
    """`user`, an owner or editor of the verified `organization`, endorses `statement` in its name while
    the statement accepts endorsements. One endorsement per organisation."""
    locked = _locked(statement)  # a statement cannot close half-way through an endorsement
    if not locked.accepts_endorsements():
        raise ValidationError(_("This statement does not accept endorsements now."), code="closed")
    if organization.pk not in locked.endorsing_organizations(user):
        raise ValidationError(
            _("Only the owners and editors of a verified organisation can endorse in its name."), code="not_allowed"
        )
    if Endorsement.objects.filter(statement=locked, organization=organization).exists():
        raise _already_endorsed(locked, organization)
    endorsement = Endorsement(statement=locked, organization=organization, endorsed_by=user)
    endorsement.choose_naming(named_publicly, user)  # an editor's choice names a listed organisation only
    _create(endorsement)
    # Every owner learns that the organisation's name was put to a statement, and by whom; if it is to be named
    # but waits for an owner's confirmation, they are asked for it.
    notify(owners_of(organization), "statements/email/endorsed", {"endorsement": endorsement, "actor": user})
    return endorsement


@transaction.atomic
def withdraw(user: User, endorsement: Endorsement) -> None:
    """The endorsing organisation takes its endorsement back while the statement accepts endorsements.
    The row is deleted, not flagged: a withdrawn endorsement leaves no trace of the organisation."""
    endorsement.statement = _locked(endorsement.statement)
    if not endorsement.may_withdraw(user):
        raise ValidationError(
            _("An endorsement can be withdrawn only by its organisation, while the statement is open."),
            code="not_allowed",
        )
    organization, statement = endorsement.organization, endorsement.statement
    endorsement.delete()
    notify(
        owners_of(organization),
        "statements/email/withdrawn",
        {"statement": statement, "organization": organization, "actor": user},
    )


@transaction.atomic
def stop_naming(user: User, endorsement: Endorsement) -> Endorsement:
    """Keep the endorsement but stop naming the organisation publicly, or leave it unnamed when it was recorded
    as named and waits for the organisation's confirmation (allowed at any time)."""
    if not endorsement.allows(user, Endorsement.UNNAME):
        raise ValidationError(_("You cannot change how this endorsement is shown."), code="not_allowed")
    endorsement.choose_naming(False, user)
    endorsement.save(update_fields=NamedAct.NAMING_FIELDS)
    return endorsement


@transaction.atomic
def name_publicly(user: User, endorsement: Endorsement) -> Endorsement:
    """The organisation consents to be named among the endorsers, at any time: only the organisation itself, by one
    of its owners, or of its editors if it is listed (Endorsement.rule, NAME); its consent is recorded."""
    if not endorsement.allows(user, Endorsement.NAME):
        raise ValidationError(
            _(
                "An organisation is named only by its own choice: one of its owners, or one of its editors if it is "
                "listed in the directory, can make it."
            ),
            code="not_allowed",
        )
    endorsement.choose_naming(True, user)
    endorsement.save(update_fields=NamedAct.NAMING_FIELDS)
    return endorsement


@transaction.atomic
def record_endorsement(
    actor: User, statement: Statement, organization: Organization, *, named_publicly: bool
) -> Endorsement:
    """A manager records an endorsement that reached them by email. It is not named until the organisation
    confirms it (the manager's word is no consent: Endorsement.named_q); its owners are told, and asked for that
    confirmation, so that a name put to a statement without their consent is noticed."""
    if not organization.is_verified:
        raise ValidationError(_("Only verified organisations can endorse."), code="unverified")
    if Endorsement.objects.filter(statement=statement, organization=organization).exists():
        raise _already_endorsed(statement, organization)
    endorsement = Endorsement(
        statement=statement, organization=organization, recorded_by=actor, source=Endorsement.Source.EMAIL
    )
    endorsement.choose_naming(named_publicly, actor)
    _create(endorsement)
    record(statement, actor, Action.RECORDED)
    notify(owners_of(organization), "statements/email/recorded", {"endorsement": endorsement})
    return endorsement


@transaction.atomic
def remove_endorsement(actor: User, endorsement: Endorsement) -> None:
    """A manager removes an endorsement recorded in error, or at the organisation's request."""
    record(endorsement.statement, actor, Action.REMOVED)
    endorsement.delete()


# Import -----------------------------------------------------------------------------------------------


@dataclass
class RowErrors:
    """What is wrong with the row at `line` of the file (line 1 names the columns)."""

    line: int
    errors: list[StrOrPromise]


@dataclass
class ImportReport:
    imported: list[Endorsement] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    rows: list[RowErrors] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.rows


def import_endorsements_csv(actor: User, statement: Statement, file: IO[bytes]) -> ImportReport:
    """Check every row of the CSV `file` (organisation address or name, named yes/no); if all are right,
    record them as imported endorsements. Nothing is imported when any row is wrong."""
    try:
        rows = exchange.read_endorsement_rows(file)
    except ValidationError as rejected:
        return ImportReport(file_errors=rejected.messages)
    # Only organisations the importing person may see can be named in a file: an unknown name and a hidden
    # organisation get the same answer, so the import does not confirm that a hidden one exists.
    candidates = Organization.objects.visible_to(actor).verified()
    by_slug = {organization.slug: organization for organization in candidates}
    by_name: dict[str, list[Organization]] = defaultdict(list)
    for candidate in by_slug.values():
        for code in LANGUAGE_CODES:
            name = getattr(candidate, f"name_{code}", "")
            if name:
                by_name[normalize_for_search(name)].append(candidate)
        if candidate.acronym:
            by_name[normalize_for_search(candidate.acronym)].append(candidate)
    endorsed = set(statement.endorsements.values_list("organization_id", flat=True))
    report = ImportReport()
    valid: list[tuple[Organization, bool]] = []
    seen: dict[int, int] = {}  # organisation id -> the line that names it
    for row in rows:
        errors: list[StrOrPromise] = []
        organization = by_slug.get(row.organization.lower())
        if organization is None:
            matches = {match.pk: match for match in by_name.get(normalize_for_search(row.organization), [])}
            if len(matches) == 1:
                organization = next(iter(matches.values()))
            elif len(matches) > 1:
                errors.append(_("Several organisations have this name: give the address (slug) instead."))
        if organization is None and not errors:
            errors.append(
                _("No verified organisation has the address or name “%(value)s”.") % {"value": row.organization}
                if row.organization
                else _("The organisation is missing.")
            )
        if row.named is None:
            errors.append(_("In the column “named”, write yes or no."))
        if organization is not None:
            if organization.pk in endorsed:
                errors.append(_("%(name)s has already endorsed this statement.") % {"name": organization.name})
            elif organization.pk in seen:
                errors.append(
                    _("%(name)s is already on line %(line)d.")
                    % {"name": organization.name, "line": seen[organization.pk]}
                )
            else:
                seen[organization.pk] = row.line
        if errors:
            report.rows.append(RowErrors(row.line, errors))
        elif organization is not None and row.named is not None:  # with no error, both are known
            valid.append((organization, row.named))
    if report.ok:
        report.imported = import_endorsements(actor, statement, valid)
    return report


@transaction.atomic
def import_endorsements(actor: User, statement: Statement, rows: list[tuple[Organization, bool]]) -> list[Endorsement]:
    """Record checked rows as endorsements, all or none; each organisation's owners are told, and asked to
    confirm those recorded as named (not named until they do, as for record_endorsement)."""
    now = timezone.now()
    created = []
    for organization, named in rows:
        endorsement = Endorsement(
            statement=statement,
            organization=organization,
            recorded_by=actor,
            source=Endorsement.Source.IMPORTED,
            created_at=now,
        )
        endorsement.choose_naming(named, actor)
        created.append(_create(endorsement))
    record(statement, actor, Action.IMPORTED, str(len(created)))
    audit.record(None, audit.Action.IMPORT, actor=actor, target=statement, kind="endorsements", count=len(created))
    owners: dict[int, list[User]] = defaultdict(list)
    memberships = Membership.objects.filter(
        organization__in=[organization for organization, _named in rows],
        role=Membership.Role.OWNER,
        user__is_active=True,
    ).select_related("user")
    for membership in memberships:  # one query for every organisation's owners
        owners[membership.organization_id].append(membership.user)
    for endorsement in created:
        notify(owners[endorsement.organization_id], "statements/email/recorded", {"endorsement": endorsement})
    return created


# Outreach ---------------------------------------------------------------------------------------------


def outreach_recipients(
    actor: User, statement: Statement, *, topic: str = "", kind: str = "", country: str = ""
) -> OrganizationQuerySet:
    """Verified organisations `actor` may see that match the filter and have not endorsed yet."""
    organizations = (
        Organization.objects.visible_to(actor)
        .verified()
        .exclude(pk=statement.owner_id)
        .exclude(endorsements__statement=statement)
    )
    if topic:
        organizations = organizations.filter(topics__slug=topic)
    if kind:
        organizations = organizations.filter(kind=kind)
    if country:
        # Countries of operation are stored as comma-separated two-letter codes, so a code matches exactly.
        organizations = organizations.filter(Q(hq_country=country) | Q(countries__contains=country))
    return organizations.distinct()


# Outreach is sent as a campaign of the owner's outreach list (newsletters), which this app does not know:
# home.outreach, above both, gathers what each provides. Here: whom to invite, the message, the history.


def check_outreach(statement: Statement) -> None:
    if not statement.accepts_endorsements():
        raise ValidationError(_("Invitations can be sent only while the statement accepts endorsements."))


def outreach_message(statement: Statement) -> dict[str, tuple[str, str]]:
    """The invitation to endorse `statement`, subject and text, in every language of the portal."""
    context = {"statement": statement, "sender": statement.owner}
    return {code: render_email("statements/email/outreach", context, code) for code in LANGUAGE_CODES}


def record_outreach(actor: User, statement: Statement, organizations: int, criteria: dict[str, str]) -> None:
    described = ", ".join(f"{name}={value}" for name, value in criteria.items() if value)
    record(statement, actor, Action.OUTREACH, f"{organizations} ({described or '*'})")


# Endorsers by country ---------------------------------------------------------------------------------


@dataclass
class EndorserCountry:
    """A country in the list of endorsers: its code ("" when not given), its name in the active language and
    how many of the listed endorsers are based there."""

    code: str
    name: str
    count: int


def endorser_countries(endorsements: QuerySet[Endorsement]) -> list[EndorserCountry]:
    """The headquarters countries of `endorsements` with their counts (one query), in alphabetical order in
    the active language, "Country not given" last."""
    rows = endorsements.order_by().values_list("organization__hq_country").annotate(count=Count("pk"))
    countries = [EndorserCountry(code, str(Country(code).name), count) for code, count in rows if code]
    countries.sort(key=lambda country: collation_key(country.name))
    countries += [EndorserCountry("", str(_("Country not given")), count) for code, count in rows if not code]
    return countries


@dataclass(frozen=True)
class EndorserIndex:
    """What a statement's page shows of its named endorsers before reading any name: the countries with their
    counts, the country chosen, and the ids of one page of endorsements in country order."""

    countries: list[EndorserCountry]
    chosen: EndorserCountry | None
    page_ids: list[int]
    page_number: int
    total: int


def endorser_index(statement: Statement, country: str | None, page_number: str | None, per_page: int) -> EndorserIndex:
    """The index of the endorsers named to the public. A statement's page shows every reader the list the public
    sees: a reader's own organisation's endorsement, named or not, is shown above it, and the publishers see every
    endorser on the management page. So it is computed once for everyone until the public data changes: on a letter
    with 120,000 endorsements its three queries took most of a second."""
    asked = hashlib.sha256(repr((translation.get_language(), country, page_number, per_page)).encode()).hexdigest()
    key = f"statement-endorsers:{statement.pk}:{asked[:32]}"
    return cached_public(
        key, lambda: _endorser_index(statement.endorsements.visible_to(ANONYMOUS), country, page_number, per_page)
    )


def _endorser_index(
    named: QuerySet[Endorsement], country: str | None, page_number: str | None, per_page: int
) -> EndorserIndex:
    countries = endorser_countries(named)
    chosen = next((item for item in countries if (item.code or "-") == country), None)
    listed = named.filter(organization__hq_country=chosen.code) if chosen else named
    # Sort the narrow rows (ids and keys); the page then reads only its own endorsements with their organisations:
    # sorting thousands of full organisation rows cost twice as much (bench/pages.py, statement_big).
    ordered = in_country_order(listed, countries).values_list("pk", flat=True)
    page = Paginator(ordered, per_page).get_page(page_number)
    return EndorserIndex(countries, chosen, list(page.object_list), page.number, page.paginator.count)


def in_country_order(endorsements: QuerySet[Endorsement], countries: list[EndorserCountry]) -> QuerySet[Endorsement]:
    """`endorsements` ordered as `countries` lists them, then by organisation name in the active language
    (falling back to English, as the pages do), in SQL: a page of a long list reads only its own rows."""
    rank = Case(
        *(When(organization__hq_country=country.code, then=Value(index)) for index, country in enumerate(countries)),
        default=Value(len(countries)),
        output_field=IntegerField(),
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    columns = dict.fromkeys([f"organization__name_{language}", f"organization__name_{settings.LANGUAGE_CODE}"])
    name = Coalesce(*(NullIf(column, Value("")) for column in columns), Value(""))
    # Without any country there is nothing to rank (and a constant would be read as a column position).
    return endorsements.select_related("organization").order_by(*([rank] if countries else []), Lower(name), "pk")


def group_by_country(
    endorsements: Iterable[Endorsement], countries: list[EndorserCountry]
) -> list[tuple[EndorserCountry, list[Endorsement]]]:
    """Consecutive endorsements (in the order of in_country_order) under their country."""
    by_code = {country.code: country for country in countries}
    return [
        (by_code[code], list(rows))
        for code, rows in groupby(endorsements, key=lambda endorsement: endorsement.organization.hq_country.code or "")
    ]


# The printable version --------------------------------------------------------------------------------


def statement_pdf_html(statement: Statement, language: str) -> str:
    """The printable statement in `language` (or its fallback version), with only the endorsers named to the
    public and the counts of all. The same for every reader, so it can be stored under its content hash."""
    with translation.override(language):
        named = statement.endorsements.visible_to(ANONYMOUS)
        countries = endorser_countries(named)
        return render_to_string(
            "statements/statement_pdf.html",
            {
                "statement": statement,
                "version": statement.version_in(language),
                "figures": statement.endorsements.aggregate(**endorsement_counts()),
                "groups": group_by_country(in_country_order(named, countries), countries),
                "language": language,
                "bidi": translation.get_language_bidi(),
            },
        )


def record_unnamed_endorsers_seen(user: Any, statement: Statement, shown: QuerySet[Endorsement], *, where: str) -> None:
    """Write in the audit log that `user` saw endorsers of `statement` that are not named to the public, where
    they are not a member of the endorsing organisation (the statement's publishers and the operators, on a page,
    an export or the admin). `shown` are the endorsements shown to them; `where` says on what."""
    if not user.is_authenticated:
        return
    unnamed = shown.exclude(Endorsement.named_q()).exclude(organization__in=viewer_of(user).organizations())
    organizations = sorted(set(unnamed.values_list("organization_id", flat=True)))
    if organizations:
        audit.record(
            None,
            audit.Action.ANONYMOUS_ENDORSERS_VIEWED,
            actor=user,
            target=statement,
            where=where,
            organizations=organizations,
        )
