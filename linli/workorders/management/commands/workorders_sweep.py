"""``linli workorders_sweep``: run the work-order deadline sweep once (cron / systemd timer)."""

from django.core.management.base import BaseCommand

from linli.workorders.tasks import sweep


class Command(BaseCommand):
    help = "Warn before work-order deadlines, mark overdue orders, escalate per category."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="hand it to the background worker instead"
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            from linli.workorders.tasks import sweep_deadlines

            result = sweep_deadlines.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        counts = sweep()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
