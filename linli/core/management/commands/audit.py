"""``linli audit verify [--street CODE]``: walk the change history's hash chains and name
the first broken row (exit status 1 when one is broken). ``linli audit head``: each
chain's last hash and length, to keep somewhere else (``core.auditchain``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from linli.core import auditchain


class Command(BaseCommand):
    help = "Verify the change history's hash chains, or print their heads."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "head"])
        parser.add_argument("--street", help="the street's code (default: every chain)")

    def handle(self, *args, action: str, street: str | None, **options):
        if action == "head":
            for head in auditchain.heads():
                self.stdout.write(f"{head.key}\t{head.length}\t{head.hash}")
            return
        if street:
            from linli.grids.models import GridNode

            node = GridNode.objects.filter(code=street, kind="street").first()
            if node is None:
                raise CommandError(f"no street with code {street}")
            results = auditchain.verify(node.pk, all_chains=False)
        else:
            results = auditchain.verify()
        broken = 0
        for result in results:
            if result.ok:
                self.stdout.write(f"{result.key}: ok, {result.length} rows")
                continue
            broken += 1
            where = f"row {result.broken_at}" if result.broken_at else "the head"
            self.stdout.write(f"{result.key}: BROKEN at {where}: {result.problem}")
        if broken:
            raise CommandError(f"{broken} chain(s) broken")
