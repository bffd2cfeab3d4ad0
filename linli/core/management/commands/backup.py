"""``linli backup DEST``: the database (``pg_dump``) and the media files in one archive,
with a manifest; the keys are not in it (``core.backup``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.core import backup


class Command(BaseCommand):
    help = "Back up the database and the media files into a new directory or .tar file."

    def add_arguments(self, parser):
        parser.add_argument("dest", help="a new directory, or a path ending in .tar")

    def handle(self, *args, dest: str, **options):
        try:
            manifest = backup.backup(Path(dest))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"{dest}: database {manifest.database}, {len(manifest.tables)} tables, "
            f"{rows} rows, {len(manifest.media)} media files."
        )
        self.stdout.write(backup.REMINDER_TEXT)
