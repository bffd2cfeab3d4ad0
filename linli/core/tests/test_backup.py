"""Backup and restore drill: a street with a stored photo, backed up, restored into a new
database and media directory, comes back whole: every table's row count, every photo's
hash, and the change history's hash chains (PostgreSQL)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from linli.core import backup
from linli.core.models import AuditEvent
from linli.grids.models import Unit, UnitKind
from linli.workorders import services
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import Channel, WorkOrderPhoto

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore are for PostgreSQL"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite refusal")


def _photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="JPEG")
    return SimpleUploadedFile("leak.jpg", buf.getvalue(), content_type="image/jpeg")


@on_sqlite
def test_on_sqlite_the_commands_say_plainly_they_need_postgres(db, tmp_path):
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("backup", str(tmp_path / "b"), stdout=io.StringIO())
    assert not (tmp_path / "b").exists()


def test_restore_refuses_a_database_url_that_is_not_postgres(tmp_path):
    with pytest.raises(CommandError, match="PostgreSQL URL"):
        call_command(
            "restore", str(tmp_path), "--database-url", "sqlite:///x.db", stdout=io.StringIO()
        )


def _conninfo(name: str) -> dict:
    s = connection.settings_dict
    return {
        "host": s["HOST"] or "127.0.0.1",
        "port": s["PORT"] or 5432,
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
        "dbname": name,
    }


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def new_database():
    """A new, empty database named linli_backup_test_*, dropped afterwards."""
    import psycopg

    name = f"linli_backup_test_{os.getpid()}"
    admin = _conninfo("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def media(settings, tmp_path):
    """Photos stored on disk, as in production, under a temporary MEDIA_ROOT."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def _street_with_a_photo(world):
    cats = ensure_default_categories(world.street)
    Unit.objects.create(street=world.street, kind=UnitKind.MUNICIPAL, name="宝山市政公司")
    order = services.workorder_intake(
        actor=world.grid_a1_worker,
        channel=Channel.DESK,
        category=cats["leak"],
        description="卧室墙面渗水",
        dwelling=world.hh_a1.dwelling,
        reporter_resident=world.zhou,
        photos=[_photo()],
    )
    services.workorder_verify(actor=world.grid_a1_worker, order=order)
    return order


def _hashes(root: Path) -> dict[str, str]:
    return {p.as_posix(): backup.sha256(root / p) for p in backup.media_files(root)}


@on_postgres
@pytest.mark.postgres
def test_backup_then_restore_into_a_new_database_brings_everything_back(
    transactional_db, world, media, tmp_path, new_database
):
    import psycopg

    _street_with_a_photo(world)
    assert WorkOrderPhoto.objects.exists() and AuditEvent.objects.exists()
    photos = _hashes(media)
    assert photos
    with connection.cursor() as cursor:
        source_counts = backup._table_counts(cursor)

    archive = tmp_path / "drill.tar"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "LINLI_PII_KEY" in out.getvalue() and "NOT" in out.getvalue()

    with backup.opened(archive) as src:
        manifest = json.loads((src / backup.MANIFEST).read_text())
        assert (src / backup.REMINDER).read_text() == backup.REMINDER_TEXT
        assert (src / backup.DUMP).stat().st_size > 0
    assert manifest["database"] == connection.settings_dict["NAME"]
    assert manifest["tables"] == source_counts
    assert manifest["media_count"] == len(photos)
    assert {m["path"]: m["sha256"] for m in manifest["media"]} == photos
    assert manifest["keys_included"] is False

    restored_media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command(
        "restore",
        str(archive),
        "--database-url",
        _url(new_database),
        "--media-root",
        str(restored_media),
        stdout=out,
    )
    assert "match the manifest" in out.getvalue()

    with psycopg.connect(**_conninfo(new_database)) as conn:
        restored_counts = backup._table_counts(conn.cursor())
    assert restored_counts == source_counts
    assert _hashes(restored_media) == photos

    # The restored change history still verifies, checked by the command against it.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "LINLI_DATABASE_URL": _url(new_database),
    }
    verified = subprocess.run(
        [sys.executable, "-m", "linli.manage", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"street:{world.street.pk}: ok" in verified.stdout

    # Again into the same (now full) database: refused, and nothing more is copied.
    again = tmp_path / "again-media"
    with pytest.raises(CommandError, match="not empty"):
        call_command(
            "restore",
            str(archive),
            "--database-url",
            _url(new_database),
            "--media-root",
            str(again),
            stdout=io.StringIO(),
        )
    assert not again.exists()


@on_postgres
@pytest.mark.postgres
def test_restore_refuses_media_root_with_files_and_a_damaged_archive(
    transactional_db, world, media, tmp_path, new_database
):
    import psycopg

    _street_with_a_photo(world)
    archive = tmp_path / "b"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(archive), stdout=io.StringIO())

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x")
    with pytest.raises(CommandError, match="already holds files"):
        call_command(
            "restore", str(archive), "--database-url", _url(new_database),
            "--media-root", str(busy), stdout=io.StringIO(),
        )  # fmt: skip

    photo = next(p for p in archive.joinpath(backup.MEDIA).rglob("*") if p.is_file())
    photo.write_bytes(b"not the photo")
    with pytest.raises(CommandError, match="damaged"):
        call_command(
            "restore", str(archive), "--database-url", _url(new_database),
            "--media-root", str(tmp_path / "fresh"), stdout=io.StringIO(),
        )  # fmt: skip
    with psycopg.connect(**_conninfo(new_database)) as conn:
        assert backup._target_tables(conn.cursor()) == 0
    assert not (tmp_path / "fresh").exists()
