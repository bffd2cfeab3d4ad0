"""``linli worker``: the background worker, with the scheduler of ``core.jobs`` beside it.

It is django-tasks' ``db_worker`` (queued tasks: imports, exports, notifications) plus
one thread that runs every registered job when it is due (deadline sweeps, reminders,
pruning). Run as many workers as you like: a job's lease makes one of them run it.
"""

from __future__ import annotations

import os
import threading

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from linli.core import jobs


class Command(db_worker.Command):
    help = "Run queued tasks and the scheduled jobs (deadline sweeps, reminders, pruning)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--schedule-every",
            type=float,
            default=15.0,
            help="seconds between looks for due jobs (default: 15)",
        )
        parser.add_argument(
            "--no-schedule", action="store_true", help="run queued tasks only, no scheduled jobs"
        )

    def handle(self, *args, **options):
        worker_id = options["worker_id"]
        if not options["no_schedule"]:
            if options["batch"]:
                jobs.run_due(worker_id)  # once, before the queue is drained
            elif not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                # With --reload only the reloaded child schedules (the parent just watches).
                threading.Thread(
                    target=jobs.scheduler_loop,
                    args=(worker_id,),
                    kwargs={"interval": options["schedule_every"], "stop": lambda: False},
                    name="linli-scheduler",
                    daemon=True,
                ).start()
        options.pop("schedule_every")
        options.pop("no_schedule")
        super().handle(*args, **options)
