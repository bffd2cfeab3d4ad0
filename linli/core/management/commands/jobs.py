"""``linli jobs``: list the scheduled jobs and how they last ran; ``linli jobs run NAME``
runs one now (unless a worker is running it at this moment)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.core import jobs
from linli.core.models import ScheduledJob


class Command(BaseCommand):
    help = "List the scheduled jobs, or run one now."

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["list", "run"], default="list")
        parser.add_argument("name", nargs="?")

    def handle(self, *args, action: str, name: str | None, **options):
        if action == "run":
            if not name or jobs.get(name) is None:
                known = ", ".join(j.name for j in jobs.registered())
                raise CommandError(f"name one of: {known}")
            run = jobs.run_now(name)
            if run is None:
                raise CommandError(f"{name} is running in a worker now; try again later")
            result = " ".join(f"{k}={v}" for k, v in run.counts.items())
            self.stdout.write(f"{name}: {'ok' if run.ok else run.error} {result}".rstrip())
            if not run.ok:
                raise CommandError(run.error)
            return
        rows = {r.name: r for r in ScheduledJob.objects.all()}
        for job in jobs.registered():
            row = rows.get(job.name)
            last = (
                timezone.localtime(row.last_finished_at).isoformat(timespec="seconds")
                if row and row.last_finished_at
                else "-"
            )
            state = (
                "" if row is None or row.last_ok is None else ("ok" if row.last_ok else "FAILED")
            )
            self.stdout.write(f"{job.name:36} every {job.every}  last {last} {state}")
