"""``linli import_households FILE --street CODE [--dry-run] [--user USERNAME]``
(also ``linli import-households``): import a household ledger from the command line.

Without ``--user`` the import runs as the operator, with the whole street in scope,
and is not recorded as an ImportJob (a job needs a person to answer for it); the
change history still records every household changed. With ``--user`` the user's
scope and permissions apply exactly as on the import page.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from linli.accounts.models import User
from linli.core.errors import LinliError
from linli.grids.models import GridNode, NodeKind
from linli.registry.ledger.services import import_file


class Command(BaseCommand):
    help = "Import households and residents from an .xlsx ledger (dry run with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx ledger")
        parser.add_argument("--street", required=True, help="the street's node code")
        parser.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
        parser.add_argument("--user", help="import as this user (their scope applies)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        street = GridNode.objects.filter(code=options["street"], kind=NodeKind.STREET).first()
        if street is None:
            raise CommandError(f"No street with code {options['street']}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']}")
        try:
            result = import_file(
                actor=actor,
                street_id=street.pk,
                path=options["file"],
                dry_run=options["dry_run"],
                progress=self._progress,
            )
        except Http404:
            raise CommandError("This user may not import into this street.") from None
        except LinliError as exc:
            raise CommandError(exc.message) from None
        except FileNotFoundError:
            raise CommandError(f"No such file: {options['file']}") from None
        counts, errors = result.counts, result.errors
        if options["json"]:
            self.stdout.write(json.dumps({"counts": counts, "errors": errors}, ensure_ascii=False))
        else:
            self._report(counts, errors, options["dry_run"] or not result.ok)
        if not result.ok:
            raise CommandError(
                f"{counts.get('errors_total', len(errors))} error(s); nothing saved."
            )

    def _progress(self, phase: str, done: int, total: int) -> None:
        """One progress line on standard error (standard output keeps the result)."""
        self.stderr.write(f"{phase}: {done}/{total} rows")

    def _report(self, counts: dict, errors: list[dict], nothing_saved: bool) -> None:
        out = self.stdout
        for e in errors:
            where = f"row {e['row']}" if e["row"] else "file"
            column = f" [{e['column']}]" if e["column"] else ""
            out.write(f"{where}{column}: {e['message']}")
        if counts.get("unknown_columns"):
            out.write("columns not imported: " + ", ".join(counts["unknown_columns"]))
        if "households" in counts:
            h, r = counts["households"], counts["residents"]
            out.write(
                f"rows {counts['rows']}; households new {h['new']}, updated {h['updated']}, "
                f"unchanged {h['unchanged']}; residents new {r['new']}, updated {r['updated']}, "
                f"unchanged {r['unchanged']}"
            )
        out.write("dry run: nothing saved" if nothing_saved else "imported")
