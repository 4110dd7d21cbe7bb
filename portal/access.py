"""The access primitives: who is asking (the Viewer) and how each model writes its one access rule.

Every object people manage has an owner organisation. What a person may do to it follows from their role in
that organisation (owner > editor > member), plus the object's visibility, plus platform operators. Each model
writes that rule once, beside the model, as a `Q` over a `Viewer` (`Guarded.rule`). Both questions come from that
one definition:

- which rows may this viewer see: `Model.objects.visible_to(viewer)` filters by the `Q` in SQL;
- may this viewer see this row: `obj.allows(viewer)` evaluates the same `Q` against the row in Python, and asks
  the database only for the parts Python cannot answer (a subquery such as "has one of my organisations signed").

Coordinators' and operators' powers need a session that passed the second factor: the loader reads it from
what `portal.two_factor` noted on the person of the request (`second_factors_of`).

`tests/portal/test_access_property.py` builds random worlds and proves, for every guarded model and every viewer,
that the two answers agree row by row. This module is the ground floor: it imports no app. The Viewer of a person
is read by the function named in `settings.PORTAL_VIEWER` (the events app, the highest of the apps whose rows it
holds: memberships, registrations and invitations).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from portal.publiccache import cached_public, digest


class Role(models.TextChoices):
    """A person's role in an organisation. Higher rank, more rights: owner > editor > member."""

    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    MEMBER = "member", _("Member")

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.MEMBER: 1, Role.EDITOR: 2, Role.OWNER: 3}


@dataclass(frozen=True)
class Viewer:
    """What every access rule needs to know about a person, loaded once per request. The only input of a rule."""

    is_authenticated: bool = False
    user_id: int | None = None
    is_operator: bool = False
    is_coordinator: bool = False
    # organisation id -> role, for every organisation the person belongs to
    roles: dict[int, Role] = field(default_factory=dict)
    # ids of the verified organisations among them, and of the verified host organisations they coordinate
    verified: frozenset[int] = frozenset()
    host_ids: frozenset[int] = frozenset()
    # would be a coordinator or an operator, but this session has not passed a second factor (portal.two_factor)
    needs_mfa: bool = False
    # has an authenticator app: what such a session lacks is entering one of its codes, not turning it on
    has_authenticator: bool = False
    # The person's part in events, read with the rest (events.models.viewer_for) so that the events' rule compares
    # ids instead of asking a subquery per event: event id -> the status of the person's active registration for
    # it, and the events their organisations are invited to.
    registrations: Mapping[int, str] = field(default_factory=dict)
    invited_events: frozenset[int] = frozenset()

    @classmethod
    def member_of(cls, organization_id: int, *, verified: bool) -> Viewer:
        """Any plain member of one organisation, and nobody in particular: what an organisation's feed shows."""
        return cls(
            is_authenticated=True,
            roles={organization_id: Role.MEMBER},
            verified=frozenset({organization_id}) if verified else frozenset(),
        )

    def role_in(self, organization_id: int | None) -> Role | None:
        return self.roles.get(organization_id) if organization_id is not None else None

    def has_role(self, organization_id: int | None, minimum: Role) -> bool:
        role = self.role_in(organization_id)
        return role is not None and Role(role).rank >= minimum.rank

    def organizations(self, minimum: Role = Role.MEMBER) -> list[int]:
        """Ids of the organisations where the person's role is at least `minimum`."""
        return sorted(pk for pk in self.roles if self.has_role(pk, minimum))

    def registered_for(self, statuses: Iterable[str]) -> list[int]:
        """Ids of the events the person holds a registration for in one of `statuses`."""
        wanted = set(statuses)
        return sorted(pk for pk, status in self.registrations.items() if status in wanted)

    def manages(self, owner_id: int | None) -> bool:
        """Operators, and the editors and owners of the owner organisation, manage what it owns."""
        return self.is_operator or self.has_role(owner_id, Role.EDITOR)

    def managed(self, owner: str = "owner") -> Q:
        """The rows whose `owner` path leads to an organisation this viewer manages (see `manages`)."""
        return ALL if self.is_operator else Q(**{f"{owner}__in": self.organizations(Role.EDITOR)})

    @property
    def may_coordinate(self) -> bool:
        """Operators and the coordinators of host organisations: they verify organisations, keep agreements,
        schedule events, publish bulletins and run mailing lists."""
        return self.is_operator or self.is_coordinator

    @property
    def is_member_of_verified(self) -> bool:
        return bool(self.verified)

    @property
    def sees_members_only_content(self) -> bool:
        """Signed-in members of verified organisations and coordinators see what is shown to "members"."""
        return self.is_member_of_verified or self.is_coordinator


ANONYMOUS = Viewer()
# Every row, and no row. Not Q(): an empty Q vanishes when combined (Q(a) | Q() is Q(a)), this one does not.
ALL = Q(pk__isnull=False)
NOTHING = Q(pk__in=[])


def viewer_of(who: Any) -> Viewer:
    """The Viewer for a user (cached on the user object for the rest of the request); a Viewer stays itself."""
    if isinstance(who, Viewer):
        return who
    if who is None or not getattr(who, "is_authenticated", False) or not who.is_active:
        return ANONYMOUS
    cached = getattr(who, "_portal_viewer", None)
    if cached is None:
        cached = who._portal_viewer = import_string(settings.PORTAL_VIEWER)(who)
    return cached


def forget_viewer(user: Any) -> None:
    """Drop the cached Viewer after a change to the person's memberships (or to what their session passed)."""
    # `del`, not `__dict__.pop`: request.user is a lazy object that passes deletions on to the person.
    try:
        del user._portal_viewer
    except AttributeError:
        pass


def note_second_factors(user: Any, authenticator_ids: Iterable[int]) -> None:
    """Note on `user`, the person of one request, the authenticators (ids) whose code their session entered
    (portal.two_factor reads them from the session). Coordinators' and operators' powers need one of them."""
    user._portal_second_factors = frozenset(authenticator_ids)
    forget_viewer(user)


def second_factors_of(user: Any) -> frozenset[int]:
    """The authenticators noted by `note_second_factors`: none for a person loaded outside a request (a Celery
    task, an email) or through an API token, who therefore holds no coordinator's or operator's power."""
    return getattr(user, "_portal_second_factors", frozenset())


# The rule machinery ----------------------------------------------------------------------------------------

M = TypeVar("M", bound=models.Model)
Action = str
VIEW: Action = "view"
MANAGE: Action = "manage"


class GuardedQuerySet(models.QuerySet[M], Generic[M]):
    """The queryset of a guarded model: rows filtered by the model's one rule."""

    def allowing(self, who: Any, action: Action) -> Self:
        """Rows on which `who` may do `action`. None at all is answered without asking the database."""
        condition = self.model.condition(viewer_of(who), action)  # type: ignore[attr-defined]
        return self.none() if condition is NOTHING else self.filter(condition)

    def visible_to(self, who: Any) -> Self:
        """Rows `who` may know exist."""
        return self.allowing(who, VIEW)

    def managed_by(self, who: Any) -> Self:
        """Rows `who` may change."""
        return self.allowing(who, MANAGE)


if TYPE_CHECKING:
    # The manager `GuardedQuerySet[...].as_manager()` builds, named so that a model can declare it. The models
    # django-modeltranslation registers must: it swaps their managers' classes at start-up, which the type checker's
    # Django plugin cannot follow, so each of them says `objects: ClassVar[...]` and `_default_manager: ClassVar[...]`.
    GuardedManager = models.Manager.from_queryset(GuardedQuerySet)


class Guarded(models.Model):
    """A model that writes its access rule once: `rule(viewer, action)` returns the `Q` of the rows allowed."""

    # The actions the rule answers; the property test checks each of them.
    ACTIONS: tuple[Action, ...] = (VIEW, MANAGE)

    class Meta:
        abstract = True

    @classmethod
    def rule(cls, viewer: Viewer, action: Action) -> Q:
        """The rows on which `viewer` may do `action`: the model's one access rule. Override it."""
        raise NotImplementedError

    @classmethod
    def condition(cls, viewer: Viewer, action: Action) -> Q:
        if action not in cls.ACTIONS:
            raise ValueError(f"{cls.__name__} has no rule for {action!r}")
        return cls.rule(viewer, action)

    @classmethod
    def rules_out(cls, who: Any, action: Action) -> bool:
        """Whether the rule allows `who` no row at all for `action`, as it says without asking the database (a
        person who coordinates nothing reviews nothing)."""
        return cls.condition(viewer_of(who), action) is NOTHING

    def allows(self, who: Any, action: Action = VIEW) -> bool:
        """Whether `who` may do `action` to this row: the model's rule, evaluated against it (or the verdict
        prefetch_access found for it in SQL)."""
        viewer = viewer_of(who)
        for known_viewer, known_action, verdict in self.__dict__.get("_access_verdicts", ()):
            if known_viewer is viewer and known_action == action:
                return verdict
        return holds(self, type(self).condition(viewer, action))


def prefetch_access(objects: Iterable[Guarded], who: Any, *actions: Action) -> None:
    """Answer `allows(who, action)` for all of `objects` (of one model) and each of `actions`: in Python where the
    rows' own fields decide, and in one query for the rest, for lists whose rule may need the database (a
    registration, an invitation) and would otherwise ask once per row."""
    objects = list(objects)
    if not objects:
        return
    viewer = viewer_of(who)
    allowed = _allowed(type(objects[0]), viewer, actions, {obj.pk: obj for obj in objects})
    for obj in objects:
        verdicts = obj.__dict__.setdefault("_access_verdicts", [])
        verdicts.extend((viewer, action, obj.pk in allowed[action]) for action in actions)


def _verdicts(model: type[models.Model], viewer: Viewer, actions: tuple[Action, ...]) -> dict[str, Any]:
    """The rule on each of `actions` as a boolean column, named after its place among them."""
    return {
        f"_allows_{index}": models.ExpressionWrapper(
            model.condition(viewer, action),  # type: ignore[attr-defined]
            output_field=models.BooleanField(),
        )
        for index, action in enumerate(actions)
    }


def allowed_ids(
    model: type[Guarded],
    pks: list[Any],
    who: Any,
    *actions: Action,
    known: Mapping[Any, Mapping[str, Any]] | None = None,
) -> dict[Action, set[Any]]:
    """For each of `actions`, which of the rows `pks` of `model` allow it to `who`: one query for them all. With
    the rows' fields `known` (pk -> field name -> value, as a shared representation holds them), the rule is asked
    of those fields in Python first, and the database only for the rows they do not decide."""
    rows = {pk: stand_in(model, pk, known[pk]) for pk in pks} if known is not None else dict.fromkeys(pks)
    return _allowed(model, viewer_of(who), actions, rows)


def _allowed(
    model: type[Guarded], viewer: Viewer, actions: tuple[Action, ...], rows: Mapping[Any, models.Model | None]
) -> dict[Action, set[Any]]:
    """allowed_ids for `rows` (pk -> the row, or None where only its pk is known): the rule asked in Python of each
    row at hand, and in one query of the rows it leaves open."""
    allowed: dict[Action, set[Any]] = {action: set() for action in actions}
    undecided = [pk for pk, row in rows.items() if row is None]
    at_hand = {pk: row for pk, row in rows.items() if row is not None}
    conditions = [_compile(model, model.condition(viewer, action)) for action in actions] if at_hand else []
    for pk, row in at_hand.items():
        found = [condition(row) for condition in conditions]
        if None in found:
            undecided.append(pk)
            continue
        for action, verdict in zip(actions, found, strict=True):
            if verdict:
                allowed[action].add(pk)
    if not undecided:
        return allowed
    verdicts = _verdicts(model, viewer, actions)
    answered = (
        model._default_manager.filter(pk__in=undecided).order_by().annotate(**verdicts).values_list("pk", *verdicts)
    )
    for pk, *answers in answered:
        for action, answer in zip(actions, answers, strict=True):
            if answer:
                allowed[action].add(pk)
    return allowed


def rule_key(model: type[Guarded], who: Any, action: Action = VIEW) -> str | None:
    """A name for the rows the rule allows `who` to `action`, the same for every reader it answers alike: its
    condition, spelled out, when it holds only plain values (ids, statuses). A figure about those rows (how many
    events a reader may see) is shared under it by the readers the rule treats the same. None for a condition with
    an expression or a subquery, whose spelling does not say which rows it selects."""
    condition = model.condition(viewer_of(who), action)
    return digest(condition) if _spelled_out(condition) else None


def shared_as(name: str, rows: models.QuerySet[Any], who: Any, action: Action = VIEW) -> str | None:
    """A name for `rows` that every reader the rule treats alike shares: `rows` are the rows the rule allows `who`
    to `action`, narrowed by nothing but what `name` says (the same for every reader: a list's filters, an
    event's id). Figures and pages of them are then read once for all those readers until the public data changes
    (`shared_count`, portal.paging). None where the rule's condition is not spelled out (`rule_key`): the caller
    reads for this reader alone."""
    rule = rule_key(rows.model, who, action)
    return f"{name}:{rule}" if rule else None


def shared_count(name: str, rows: models.QuerySet[Any], who: Any, action: Action = VIEW) -> int | None:
    """How many `rows` there are (see `shared_as`), counted once for all the readers the rule treats alike; None
    where they cannot be told apart, and the caller counts for this reader alone."""
    shared = shared_as(name, rows, who, action)
    return cached_public(f"{shared}:count", rows.count) if shared else None


def _spelled_out(node: Any) -> bool:
    if isinstance(node, Q):
        return all(_spelled_out(child) for child in node.children)
    if not isinstance(node, tuple):
        return False  # an expression such as Exists(...)
    value = node[1]
    if isinstance(value, list | tuple):
        return all(isinstance(item, int | str) for item in value)
    return value is None or isinstance(value, bool | int | str)


def stand_in(model: type[M], pk: Any, fields: Mapping[str, Any]) -> M:
    """A row of `model` known only by its `fields` (by attribute name), for asking its rule in Python without
    reading it (_evaluate): what the rule needs of any other field is left to the database."""
    row = model.__new__(model)  # not __init__: no defaults, so an unknown field stays unknown
    row._state = ModelState()
    row.__dict__.update(fields)
    row.__dict__[model._meta.pk.attname] = pk
    return row


def holds(obj: models.Model, condition: Q) -> bool:
    """Whether `obj` satisfies `condition`, in Python where the row's own fields answer it, in SQL otherwise."""
    verdict = _evaluate(obj, condition)
    if verdict is None:
        verdict = type(obj)._default_manager.filter(pk=obj.pk).filter(condition).exists()
    return verdict


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _evaluate(obj: models.Model, condition: Q) -> bool | None:
    """True or False when the row's fields decide `condition`, None when only the database can (three-valued)."""
    return _compile(type(obj), condition)(obj)


Verdict = Callable[[models.Model], bool | None]


def _undecided(row: models.Model) -> None:
    return None


def _compile(model: type[models.Model], node: Any) -> Verdict:
    """`node` of a rule over rows of `model` as a function of a row, three-valued like `_evaluate`: built once for
    a condition, then asked of each row of a page."""
    if isinstance(node, Q):
        return _compile_q(model, node)
    if isinstance(node, tuple):
        return _compile_lookup(model, *node)
    return _undecided  # an expression such as Exists(...)


def _compile_q(model: type[models.Model], node: Q) -> Verdict:
    if node.connector not in (Q.AND, Q.OR):
        return _undecided
    children = [_compile(model, child) for child in node.children]
    settles = node.connector == Q.OR  # the answer of one child that settles the node: True for OR, False for AND
    negated = node.negated

    def verdict(row: models.Model) -> bool | None:
        answer: bool | None = not settles
        for child in children:
            found = child(row)
            if found is settles:
                answer = settles
                break
            if found is None:
                answer = None
        return answer if answer is None or not negated else not answer

    return verdict


def _compile_lookup(model: type[models.Model], path: str, expected: Any) -> Verdict:
    frozen = _frozen(expected)
    return _compile_leaf(model, path, expected) if frozen is _UNHASHABLE else _compiled_leaf(model, path, frozen)


_UNHASHABLE = object()


def _frozen(expected: Any) -> Any:
    """`expected` as a key of the compiled leaves: what it is compared as (rows by their pk, a list as the set of
    its members), or _UNHASHABLE (an expression, a subquery) for a leaf compiled afresh."""
    if isinstance(expected, models.Model):
        return expected.pk
    if isinstance(expected, list | tuple | set | frozenset):
        members = frozenset(item.pk if isinstance(item, models.Model) else item for item in expected)
        return members if all(isinstance(item, int | str) for item in members) else _UNHASHABLE
    if isinstance(expected, bool | int | str) or expected is None:
        return expected
    return _UNHASHABLE


@functools.lru_cache(maxsize=4096)
def _compiled_leaf(model: type[models.Model], path: str, frozen: Any) -> Verdict:
    # The same leaves come back on every request (a status, the organisations of the same people): compiled once.
    return _compile_leaf(model, path, frozen)


def _compile_leaf(model: type[models.Model], path: str, expected: Any) -> Verdict:
    *steps, last = path.split("__")
    lookup = "exact"
    if last in (*_COMPARE, "in", "isnull") and steps:
        lookup, last = last, steps.pop()
    hops: list[tuple[str, str]] = []  # forward foreign keys only; anything else is the database's to answer
    current: Any = model
    try:
        for step in steps:
            model_field = current._meta.get_field(step)
            if not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
                return _undecided
            hops.append((model_field.attname, step))
            current = model_field.related_model
        if last == "pk":
            attname = current._meta.pk.attname
        else:
            model_field = current._meta.get_field(last)
            if not model_field.concrete or model_field.many_to_many:
                return _undecided
            attname = model_field.attname
    except FieldDoesNotExist:
        return _undecided
    compare = _comparison(lookup, expected)
    if not hops:  # a column of the row itself, as most leaves are: asked of its fields directly

        def column_verdict(row: models.Model) -> bool | None:
            return compare(getattr(row, attname)) if attname in row.__dict__ else None

        return column_verdict

    def verdict(row: models.Model) -> bool | None:
        reached: Any = row
        for step_attname, step in hops:
            if reached is None or step_attname not in reached.__dict__:  # deferred, or unknown to a stand_in
                return None
            reached = getattr(reached, step)
        if reached is None or attname not in reached.__dict__:
            return None
        return compare(getattr(reached, attname))

    return verdict


def _comparison(lookup: str, expected: Any) -> Callable[[Any], bool | None]:
    if isinstance(expected, models.Model):
        expected = expected.pk
    if lookup == "isnull":
        wanted = bool(expected)
        return lambda value: (value is None) == wanted
    if lookup == "in":
        if not isinstance(expected, list | tuple | set | frozenset):
            return _undecided  # a subquery
        members = frozenset(item.pk if isinstance(item, models.Model) else item for item in expected)
        return lambda value: value is not None and value in members
    if isinstance(expected, models.expressions.Combinable):
        return _undecided
    compare = _COMPARE[lookup]
    return lambda value: None if value is None else compare(value, expected)
