"""``linli restore ARCHIVE --database-url URL [--media-root DIR]``: a backup made by
``linli backup`` into a new, empty database and media directory, then checked against
its manifest (``core.backup``)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from linli.core import backup


class Command(BaseCommand):
    help = "Restore a backup into a new, empty PostgreSQL database and media directory."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the backup directory or .tar file")
        parser.add_argument(
            "--database-url", required=True, help="the new, empty database (postgres://…)"
        )
        parser.add_argument(
            "--media-root", help="an empty directory for the media (default: MEDIA_ROOT)"
        )

    def handle(self, *args, archive: str, database_url: str, media_root: str | None, **options):
        root = Path(media_root) if media_root else Path(settings.MEDIA_ROOT)
        try:
            report = backup.restore(Path(archive), database_url, root)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {report.tables} tables ({report.rows} rows) and {report.media} "
            f"media files into {root}."
        )
        if report.problems:
            for problem in report.problems:
                self.stdout.write(f"MISMATCH: {problem}")
            raise CommandError(
                f"{len(report.problems)} difference(s) from the manifest / 与清单不一致"
            )
        self.stdout.write(
            "row counts and media hashes match the manifest. Next: set the same "
            "LINLI_PII_KEY and LINLI_BLIND_INDEX_KEY, run `linli audit verify`, and "
            "`linli db-roles --apply` if the app uses its own role."
        )
