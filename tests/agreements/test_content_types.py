"""The agreement models moved from organizations to agreements keep their content types: the rows name the
agreements app and keep their ids, so permissions, audit entries and the admin's log still point at the
right objects. agreements.0002_content_types renames the rows of a database made before the move."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from agreements.models import AccessionRequest, Agreement, AgreementParty
from portal import audit
from portal.models import User
from tests.factories import AgreementFactory, UserFactory

pytestmark = pytest.mark.django_db

MOVED = [Agreement, AgreementParty, AccessionRequest]
NAMES = [model._meta.model_name for model in MOVED]
migration = importlib.import_module("agreements.migrations.0002_content_types")


@pytest.fixture(autouse=True)
def _forget_cached_content_types() -> Iterator[None]:
    # The tests below rename rows behind the cache's back; the rollback restores the rows, this the cache.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def as_before_the_move() -> dict[str, int]:
    """Name the content types as organizations.0003_agreements left them; their ids, by model."""
    ContentType.objects.filter(app_label="agreements").update(app_label="organizations")
    ContentType.objects.clear_cache()
    return dict(ContentType.objects.filter(app_label="organizations", model__in=NAMES).values_list("model", "pk"))


def run(direction: str) -> None:
    getattr(migration, direction)(apps, SimpleNamespace(connection=connection))


@pytest.mark.parametrize("model", MOVED, ids=NAMES)
def test_content_type_names_the_agreements_app(model: type) -> None:
    content_type = ContentType.objects.get_for_model(model)

    assert content_type.app_label == "agreements"
    assert content_type.model_class() is model
    assert not ContentType.objects.filter(app_label="organizations", model=model._meta.model_name).exists()


@pytest.mark.parametrize("model", MOVED, ids=NAMES)
def test_permissions_belong_to_the_agreements_content_type(model: type) -> None:
    name = model._meta.model_name
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(content_type__app_label="agreements", codename=f"view_{name}"))

    assert User.objects.get(pk=user.pk).has_perm(f"agreements.view_{name}")
    assert not Permission.objects.filter(content_type__app_label="organizations", codename__endswith=name).exists()


def test_audit_entry_leads_to_the_agreement() -> None:
    agreement = AgreementFactory()

    entry = audit.record(None, audit.Action.DOCUMENT_DOWNLOADED, actor=UserFactory(), target=agreement)

    entry.refresh_from_db()
    assert entry.target_type.app_label == "agreements"
    assert entry.target_type.get_object_for_this_type(pk=entry.target_id) == agreement


def test_migration_renames_the_old_rows_and_what_refers_to_them_follows() -> None:
    agreement = AgreementFactory()
    user = UserFactory()
    entry = audit.record(None, audit.Action.DOCUMENT_DOWNLOADED, actor=user, target=agreement)
    log = LogEntry.objects.log_actions(user.pk, [agreement], CHANGE, single_object=True)
    old = as_before_the_move()
    user.user_permissions.add(Permission.objects.get(content_type_id=old["agreement"], codename="change_agreement"))
    assert entry.target_type_id == old["agreement"]

    run("forwards")

    for name in NAMES:
        assert ContentType.objects.get(app_label="agreements", model=name).pk == old[name]
    assert not ContentType.objects.filter(app_label="organizations", model__in=NAMES).exists()
    entry.refresh_from_db()
    assert entry.target_type.get_object_for_this_type(pk=entry.target_id) == agreement
    log.refresh_from_db()
    assert log.get_edited_object() == agreement
    assert User.objects.get(pk=user.pk).has_perm("agreements.change_agreement")


def test_migration_replaces_content_types_made_by_an_earlier_post_migrate() -> None:
    old = as_before_the_move()
    stray = ContentType.objects.create(app_label="agreements", model="agreement")
    Permission.objects.create(content_type=stray, codename="view_agreement", name="Can view agreement")

    run("forwards")

    assert ContentType.objects.get_for_model(Agreement).pk == old["agreement"]
    assert not ContentType.objects.filter(pk=stray.pk).exists()
    assert Permission.objects.filter(content_type_id=old["agreement"], codename="view_agreement").count() == 1


def test_migration_backwards_gives_the_rows_back_to_organizations() -> None:
    ids = dict(ContentType.objects.filter(app_label="agreements").values_list("model", "pk"))

    run("backwards")

    back = ContentType.objects.filter(app_label="organizations", model__in=NAMES)
    assert dict(back.values_list("model", "pk")) == ids
    assert not ContentType.objects.filter(app_label="agreements").exists()
