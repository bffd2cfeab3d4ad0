"""Backups a street office can restore: the database and the photos, in one archive.

``backup(dest)`` writes a directory (or, when ``dest`` ends in ``.tar``, one tar file)
holding

* ``database.dump``: ``pg_dump --format=custom`` of the database;
* ``media/``: every file under ``MEDIA_ROOT`` (the photos);
* ``manifest.json``: when, which database, each table's row count, and the media files
  with their SHA-256;
* ``KEYS-NOT-INCLUDED.txt``: the reminder that ``LINLI_PII_KEY``,
  ``LINLI_BLIND_INDEX_KEY`` and ``LINLI_SECRET_KEY`` are not in the archive. Without the
  first two, the restored ID numbers and phone numbers cannot be read or searched.

The row counts and the dump come from one snapshot (``pg_export_snapshot`` handed to
``pg_dump --snapshot``), so writes during the backup cannot make them disagree.

``restore(archive, database_url, media_root)`` refuses a database that holds any table
and a media directory that holds any file, and an archive whose media do not match its
manifest, before it changes anything. It then restores the dump in one transaction
(``pg_restore --single-transaction``), copies the media, and compares the restored
database's row counts and the copied files' hashes with the manifest.

PostgreSQL only: ``pg_dump`` and ``pg_restore`` are looked for on ``PATH``, then under
``/usr/lib/postgresql/*/bin`` (the newest version first).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1
DUMP = "database.dump"
MEDIA = "media"
MANIFEST = "manifest.json"
REMINDER = "KEYS-NOT-INCLUDED.txt"
KEYS = ("LINLI_PII_KEY", "LINLI_BLIND_INDEX_KEY", "LINLI_SECRET_KEY")
REMINDER_TEXT = f"""\
This backup does NOT contain the key material: {", ".join(KEYS)}.
本备份不含密钥：{", ".join(KEYS)}。

Keep those keys separately (for example in a password manager or a sealed envelope held
by a second person). Without LINLI_PII_KEY and LINLI_BLIND_INDEX_KEY the restored ID
numbers and phone numbers can be neither read nor searched; nothing can recover them.
请另行妥善保管上述密钥（例如密码管理器，或由第二人保管的密封信封）。没有 LINLI_PII_KEY
和 LINLI_BLIND_INDEX_KEY，恢复后的身份证号和电话号码既无法读取也无法检索，且无法找回。
"""


class BackupError(Exception):
    """A backup or restore that cannot go ahead, or did not check out; the message says why."""


@dataclass
class Manifest:
    created_at: str
    database: str
    tables: dict[str, int]
    media: list[dict[str, Any]]
    format: int = FORMAT
    keys_included: bool = False
    keys_note: str = field(default="")

    def as_json(self) -> str:
        data = {
            "format": self.format,
            "created_at": self.created_at,
            "database": self.database,
            "tables": self.tables,
            "media_count": len(self.media),
            "media": self.media,
            "keys_included": self.keys_included,
            "keys_note": self.keys_note,
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise BackupError(
                    f"unknown manifest format {data.get('format')!r} / 无法识别的清单格式"
                )
            return cls(
                created_at=str(data["created_at"]),
                database=str(data["database"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                media=[{"path": str(m["path"]), "sha256": str(m["sha256"])} for m in data["media"]],
                keys_note=str(data.get("keys_note", "")),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(
                f"{path.name} is missing or unreadable / 清单缺失或无法读取: {exc}"
            ) from None


def tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest Debian install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.parent.name
        return tuple(int(p) for p in part.split(".") if p.isdigit())

    candidates = [c for c in candidates if os.access(c, os.X_OK)]
    if not candidates:
        raise BackupError(
            f"{name} not found on PATH nor under /usr/lib/postgresql/*/bin; install the "
            f"PostgreSQL client (postgresql-client) / 找不到 {name}，请安装 PostgreSQL 客户端"
        )
    return max(candidates, key=version)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "backup and restore work on PostgreSQL only; this installation uses "
            f"{connection.vendor} (copy its database file instead) / "
            "备份与恢复仅支持 PostgreSQL"
        )


def _libpq_env(db: dict[str, Any]) -> dict[str, str]:
    """The environment that points libpq (pg_dump, pg_restore) at a Django database."""
    env = dict(os.environ)
    for var, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = db.get(key)
        if value:
            env[var] = str(value)
        else:
            env.pop(var, None)
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{Path(args[0]).name} failed (exit {result.returncode}): {detail}")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def media_files(root: Path) -> list[Path]:
    """Every regular file under ``root``, as paths relative to it, in a stable order."""
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def _table_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    )
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f"SELECT count(*) FROM {name}")
        counts[name.removeprefix("public.")] = cursor.fetchone()[0]
    return counts


def backup(dest: Path) -> Manifest:
    """Write the archive at ``dest`` (a new directory, or a ``.tar`` file); return its manifest."""
    require_postgres()
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} already exists; name a new path / 目标已存在，请换一个新路径")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a directory / 上级目录不存在")
    pg_dump = tool("pg_dump")
    as_tar = dest.suffix == ".tar"
    work = Path(tempfile.mkdtemp(prefix=".linli-backup-", dir=dest.parent))
    try:
        db = connection.settings_dict
        # One snapshot for the counts and the dump: a repeatable-read transaction that
        # exports its snapshot, held open while pg_dump reads from it.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={work / DUMP}",
                ],
                _libpq_env(db),
            )
            tables = _table_counts(cursor)
        root = Path(settings.MEDIA_ROOT)
        media = []
        for rel in media_files(root):
            target = work / MEDIA / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, target)
            media.append({"path": rel.as_posix(), "sha256": sha256(target)})
        manifest = Manifest(
            created_at=timezone.now().isoformat(timespec="seconds"),
            database=str(db["NAME"]),
            tables=tables,
            media=media,
            keys_note=REMINDER_TEXT,
        )
        (work / MANIFEST).write_text(manifest.as_json(), encoding="utf-8")
        (work / REMINDER).write_text(REMINDER_TEXT, encoding="utf-8")
        if as_tar:
            partial = dest.with_name(dest.name + ".partial")
            with tarfile.open(partial, "w") as tar:
                for entry in sorted(work.iterdir()):
                    tar.add(entry, arcname=entry.name)
            partial.rename(dest)
        else:
            work.rename(dest)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            dest.with_name(dest.name + ".partial").unlink()


@contextlib.contextmanager
def opened(archive: Path) -> Iterator[Path]:
    """The archive's directory: itself, or a tar file unpacked into a temporary directory."""
    archive = Path(archive)
    if archive.is_dir():
        yield archive
        return
    if not archive.is_file() or not tarfile.is_tarfile(archive):
        raise BackupError(
            f"{archive} is neither a backup directory nor a tar file / 不是备份目录或 tar 文件"
        )
    with tempfile.TemporaryDirectory(prefix=".linli-restore-") as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


@dataclass
class Report:
    tables: int
    rows: int
    media: int
    problems: list[str]


def _target_tables(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'"
    )
    return int(cursor.fetchone()[0])


def restore(archive: Path, database_url: str, media_root: Path) -> Report:
    """Restore ``archive`` into the empty database at ``database_url`` and into the empty
    ``media_root``; return what was restored and any disagreement with the manifest."""
    import psycopg

    db = dj_database_url.parse(database_url)
    if "postgresql" not in db.get("ENGINE", ""):
        raise BackupError(
            "restore needs a PostgreSQL URL (postgres://…) / 恢复目标必须是 PostgreSQL 数据库"
        )
    pg_restore = tool("pg_restore")
    media_root = Path(media_root)
    with opened(archive) as src:
        manifest = Manifest.load(src / MANIFEST)
        if not (src / DUMP).is_file():
            raise BackupError(f"{DUMP} is missing from the archive / 备份中缺少数据库转储")
        for entry in manifest.media:
            path = src / MEDIA / entry["path"]
            if not path.is_file() or sha256(path) != entry["sha256"]:
                raise BackupError(
                    f"media file {entry['path']} is missing or damaged in the archive; "
                    "nothing was restored / 备份中的文件缺失或已损坏，未做任何恢复"
                )
        if media_root.exists() and not media_root.is_dir():
            raise BackupError(f"{media_root} is not a directory / 不是目录")
        if media_files(media_root):
            raise BackupError(
                f"{media_root} already holds files; restore the media into an empty "
                "directory (--media-root); nothing was restored / "
                "媒体目录非空，请指定空目录；未做任何恢复"
            )
        conninfo = {
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "dbname": db["NAME"],
        }
        try:
            with psycopg.connect(**conninfo, autocommit=True) as conn:
                existing = _target_tables(conn.cursor())
        except psycopg.OperationalError as exc:
            raise BackupError(
                f"cannot connect to database {db['NAME']}: {exc}; create it first "
                f"(createdb {db['NAME']}) / 无法连接目标数据库，请先创建"
            ) from None
        if existing:
            raise BackupError(
                f"database {db['NAME']} is not empty ({existing} tables or sequences); "
                "restore into a new, empty database; nothing was restored / "
                "目标数据库非空，请恢复到新建的空数据库；未做任何恢复"
            )
        _run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={db['NAME']}",
                str(src / DUMP),
            ],
            _libpq_env(db),
        )
        copied = 0
        for entry in manifest.media:
            target = media_root / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / MEDIA / entry["path"], target)
            copied += 1
    problems = []
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        restored = _table_counts(conn.cursor())
    for table, count in sorted(manifest.tables.items()):
        got = restored.get(table)
        if got != count:
            problems.append(f"table {table}: {got} rows, the manifest says {count}")
    for table in sorted(set(restored) - set(manifest.tables)):
        problems.append(f"table {table} is not in the manifest")
    for entry in manifest.media:
        path = media_root / entry["path"]
        if not path.is_file() or sha256(path) != entry["sha256"]:
            problems.append(f"media file {entry['path']} is missing or differs")
    return Report(
        tables=len(restored),
        rows=sum(restored.values()),
        media=copied,
        problems=problems,
    )
