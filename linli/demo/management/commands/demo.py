"""``linli demo``: load the fictional demo street once, then print its logins."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core.db import update_statistics
from linli.demo.builders import (
    DemoConflict,
    build_demo,
    building_leader_rows,
    demo_street,
    login_rows,
    summary,
)


class Command(BaseCommand):
    help = (
        "Build the deterministic demo street (3 neighbourhoods, 7 grids, 3,000 households) "
        "and print the demo logins. If it is already loaded, only print them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help=(
                "Build the street as if today were this day (YYYY-MM-DD): the requests run "
                "up to its start. Default: today. For reproducible screenshots and tests."
            ),
        )

    def handle(self, *args, **options):
        street = demo_street()
        if street is not None:
            self.stdout.write(
                _("Demo street %(name)s (%(code)s) is already loaded.")
                % {"name": street.name, "code": street.code}
            )
        else:
            started = time.monotonic()
            try:
                ctx = build_demo(
                    log=lambda line: self.stdout.write(f"  {line}"), today=options["today"]
                )
            except DemoConflict as exc:
                raise CommandError(
                    _(
                        "Cannot load the demo street: these usernames are already taken: "
                        "%(names)s. Use an empty database."
                    )
                    % {"names": exc}
                ) from None
            street = ctx.street
            # The street was loaded in bulk: plan its pages for the size it now has.
            update_statistics()
            self.stdout.write(
                _("Demo street %(name)s (%(code)s) built in %(seconds).1f s.")
                % {"name": street.name, "code": street.code, "seconds": time.monotonic() - started}
            )
        self.stdout.write(
            _("Households: %(households)d  Residents: %(residents)d  Grids: %(grids)d")
            % summary(street)
        )
        self.stdout.write("")
        header = (_("Username"), _("Role"), _("Scope"), _("Password"))
        rows = [header, *login_rows(street), *building_leader_rows(street)]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
        for row in rows:
            cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())
        if not settings.LINLI_REQUIRE_2FA:
            self.stdout.write("")
            self.stdout.write(
                _(
                    "Two-step verification is not required here (LINLI_REQUIRE_2FA is off): "
                    "every account above logs in with its password alone. Production "
                    "requires it of street administrators and cadres (docs/security.md)."
                )
            )


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
