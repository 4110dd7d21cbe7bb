"""A backup restores whole: bin/backup dumps the test database (pg_dump, custom format) and archives both
upload folders; bin/restore loads them into a fresh database and fresh folders; every table then holds the
same rows, Arabic text intact, and every file the same bytes.

Runs only against PostgreSQL (CI sets DATABASE_URL): the embedded SQLite default is one file to copy.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from psycopg import sql

from agreements.models import Agreement
from organizations.models import Organization, private_storage
from tests.factories import AgreementFactory, AgreementPartyFactory, EditionFactory, ItemFactory, OrganizationFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are of PostgreSQL")

REPO = Path(settings.BASE_DIR)
SIGNED_PROTOCOL = b"%PDF-1.4\n% signed in Lausanne on 3 April 2018\n%%EOF\n"
STJ_ARABIC = "سوريون من أجل الحقيقة والعدالة"
LOGO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def database_url(name: str) -> str:
    """A libpq URL for database `name` on the test database's server."""
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}/{name}"


def run(script: str, folder: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """bin/backup or bin/restore on `folder`, with the environment variables given."""
    return subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
        [str(REPO / "bin" / script), str(folder)],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def succeeds(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


def table_fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows, in a stable order."""
    with psycopg.connect(url) as database:
        tables = [
            name
            for (name,) in database.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        fingerprints = {}
        for table in tables:
            query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t")
            fingerprints[table] = database.execute(query.format(sql.Identifier(table))).fetchone()
        return fingerprints


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def uploads(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # Django calls a FileField's storage callable once, when the model class loads: give the field a storage
    # for this test's folder.
    monkeypatch.setattr(Agreement._meta.get_field("document"), "storage", private_storage())
    return settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def restored_database(transactional_db: None) -> Iterator[str]:
    """The name of a fresh, empty database on the same server, dropped afterwards whatever happens."""
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url("postgres"), autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(database_url("postgres"), autocommit=True) as server:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def seed() -> None:
    """Organisations with Arabic names and a logo, a protocol with its signed document, a bulletin."""
    organizations = [
        OrganizationFactory(name_en="Syrians for Truth and Justice", name_ar=STJ_ARABIC),
        *OrganizationFactory.create_batch(3),
    ]
    organizations[0].logo.save("شعار-سوريون.png", ContentFile(LOGO))
    agreement = AgreementFactory(slug="protocol-of-cooperation")
    agreement.document.save("protocol-signed.pdf", ContentFile(SIGNED_PROTOCOL))
    for organization in organizations:
        AgreementPartyFactory(agreement=agreement, organization=organization)
    ItemFactory.create_batch(3, section__edition=EditionFactory(number=1))


def test_backup_restores_every_row_and_file(uploads: tuple[Path, Path], restored_database: str, tmp_path: Path) -> None:
    media, private = uploads
    seed()
    original_url = database_url(connection.settings_dict["NAME"])
    backup = tmp_path / "backup"
    restored_media, restored_private = tmp_path / "restored" / "media", tmp_path / "restored" / "private"

    succeeds(run("backup", backup, DATABASE_URL=original_url, MEDIA_ROOT=str(media), PRIVATE_MEDIA_ROOT=str(private)))
    succeeds(
        run(
            "restore",
            backup,
            DATABASE_URL=database_url(restored_database),
            MEDIA_ROOT=str(restored_media),
            PRIVATE_MEDIA_ROOT=str(restored_private),
        )
    )

    assert sorted(path.name for path in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "media.tar.gz",
        "private-media.tar.gz",
    ]
    original, restored = table_fingerprints(original_url), table_fingerprints(database_url(restored_database))
    assert restored == original
    assert original["organizations_organization"][0] == 5  # four and the IIIM
    assert original["agreements_agreementparty"][0] == 4
    with psycopg.connect(database_url(restored_database)) as database:
        names = [name for (name,) in database.execute("SELECT name_ar FROM organizations_organization ORDER BY id")]
    assert names == list(Organization.objects.order_by("id").values_list("name_ar", flat=True))
    assert STJ_ARABIC in names
    assert file_digests(restored_media) == file_digests(media)
    assert file_digests(restored_private) == file_digests(private)
    assert len(file_digests(media)) == 1
    assert (
        file_digests(restored_private)["agreements/protocol-signed.pdf"] == hashlib.sha256(SIGNED_PROTOCOL).hexdigest()
    )


def test_restore_refuses_a_damaged_backup(uploads: tuple[Path, Path], restored_database: str, tmp_path: Path) -> None:
    media, private = uploads
    backup = tmp_path / "backup"
    original_url = database_url(connection.settings_dict["NAME"])
    succeeds(run("backup", backup, DATABASE_URL=original_url, MEDIA_ROOT=str(media), PRIVATE_MEDIA_ROOT=str(private)))
    with (backup / "media.tar.gz").open("ab") as archive:
        archive.write(b"tampered")

    result = run(
        "restore",
        backup,
        DATABASE_URL=database_url(restored_database),
        MEDIA_ROOT=str(tmp_path / "out"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "out-private"),
    )

    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()
    with psycopg.connect(database_url(restored_database)) as database:
        assert database.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone() == (0,)


def test_backup_refuses_to_overwrite_a_backup(tmp_path: Path) -> None:
    (tmp_path / "backup").mkdir()

    result = run("backup", tmp_path / "backup", DATABASE_URL="postgres://nobody@127.0.0.1:1/none")

    assert result.returncode == 2
    assert "already exists" in result.stderr
