"""rule_key names what a rule allows a reader, for figures shared by the readers it treats alike (how many events
they may see): the same name for readers the rule answers alike, another for any reader it answers otherwise, and
none where the condition's spelling does not say which rows it selects."""

from __future__ import annotations

import dataclasses

from agreements.models import Agreement
from events.models import Event, Registration
from portal.access import ANONYMOUS, Role, Viewer, rule_key, shared_as

MEMBER = Viewer(is_authenticated=True, user_id=7, roles={3: Role.MEMBER}, verified=frozenset({3}))


def test_readers_the_rule_answers_alike_share_a_name() -> None:
    other_member = dataclasses.replace(MEMBER, user_id=8, roles={4: Role.MEMBER}, verified=frozenset({4}))
    # Neither of them sees members' events, nor organises, nor is registered or invited.
    unverified = dataclasses.replace(MEMBER, verified=frozenset())

    assert rule_key(Event, MEMBER) == rule_key(Event, other_member) is not None
    assert rule_key(Event, unverified) == rule_key(Event, ANONYMOUS) is not None


def test_what_only_one_reader_is_allowed_makes_another_name() -> None:
    registered = dataclasses.replace(MEMBER, registrations={12: Registration.Status.CONFIRMED})
    invited = dataclasses.replace(MEMBER, invited_events=frozenset({12}))
    editor = dataclasses.replace(MEMBER, roles={3: Role.EDITOR})

    names = [rule_key(Event, viewer) for viewer in (MEMBER, registered, invited, editor, ANONYMOUS)]

    assert len(set(names)) == len(names)


def test_a_condition_with_a_subquery_has_no_name() -> None:
    owner = dataclasses.replace(MEMBER, roles={3: Role.OWNER})

    assert rule_key(Agreement, owner) is None


def test_a_list_is_shared_as_its_name_and_the_rule_and_never_where_the_rule_has_no_name() -> None:
    other_member = dataclasses.replace(MEMBER, user_id=8, roles={4: Role.MEMBER}, verified=frozenset({4}))
    invited = dataclasses.replace(MEMBER, invited_events=frozenset({12}))
    owner = dataclasses.replace(MEMBER, roles={3: Role.OWNER})
    events = Event.objects.all()

    assert shared_as("coming", events, MEMBER) == shared_as("coming", events, other_member) is not None
    assert shared_as("coming", events, MEMBER) != shared_as("coming", events, invited)
    assert shared_as("coming", events, MEMBER) != shared_as("past", events, MEMBER)
    assert shared_as("agreements", Agreement.objects.all(), owner) is None
