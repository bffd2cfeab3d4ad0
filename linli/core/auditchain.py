"""The change history is a hash chain per street, so a rewritten or removed row shows.

Each ``AuditEvent`` carries ``hash`` = SHA-256 over the previous row's hash and the row's
canonical form (its fields as sorted, compact JSON), and ``prev_hash``. A street's rows
chain together, in id order; rows without a street chain under ``global``. The chain's
last hash and length sit in ``AuditChainHead``: a writer locks that row
(``select_for_update``) in the transaction that inserts, so concurrent writers still
form one chain, and the head moves only if the rows commit.

``verify()`` walks each chain and names the first row whose link does not hold (also a
head that does not match the last row: rows removed from the end). The daily job
``core.audit_verify`` runs it and its result shows on the jobs page; ``linli audit
verify`` and ``linli audit head`` are the same from the command line. Keep the heads
printed by ``linli audit head`` somewhere else: with them, even a rewrite of a whole
chain from some row on shows.

The canonical form must never change: rows already written are checked with it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GLOBAL = "global"
# The fields a row's hash covers, in its canonical form.
FIELDS = (
    "street_id",
    "at",
    "actor_id",
    "verb",
    "target_type",
    "target_id",
    "household_id",
    "summary",
    "changes",
    "ip",
)


def chain_key(street_id: int | None) -> str:
    return f"street:{street_id}" if street_id is not None else GLOBAL


def canonical(row: Mapping[str, Any]) -> bytes:
    values = {name: row.get(name) for name in FIELDS}
    at = values["at"]
    if isinstance(at, dt.datetime):
        values["at"] = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if values["ip"]:
        values["ip"] = str(ipaddress.ip_address(str(values["ip"])))
    return json.dumps(
        values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def digest(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(row)).hexdigest()


def _locked_head(key: str) -> AuditChainHead:
    AuditChainHead.objects.get_or_create(key=key)
    return AuditChainHead.objects.select_for_update().get(key=key)


@contextlib.contextmanager
def extending(street_id: int | None) -> Iterator[Callable[[dict[str, Any]], dict[str, Any]]]:
    """Within one transaction, lock the street's chain; yield ``link(fields)``, which
    returns the fields with ``prev_hash`` and ``hash`` for the next row. Insert the rows
    in the order they were linked, before leaving the block."""
    with transaction.atomic():
        head = _locked_head(chain_key(street_id))
        last, added = head.hash, 0

        def link(fields: dict[str, Any]) -> dict[str, Any]:
            nonlocal last, added
            fields = {
                **fields,
                "street_id": street_id,
                "at": fields.get("at") or timezone.now(),
                # As the database gives it back: what the hash is checked against.
                "changes": json.loads(
                    json.dumps(fields.get("changes") or {}, cls=DjangoJSONEncoder)
                ),
                "prev_hash": last,
            }
            fields["hash"] = last = digest(fields["prev_hash"], fields)
            added += 1
            return fields

        yield link
        if added:
            head.hash, head.length = last, head.length + added
            head.save(update_fields=["hash", "length", "updated_at"])


def append(**fields: Any) -> AuditEvent:
    """Insert one change-history row at the end of its street's chain."""
    with extending(fields.pop("street_id", None)) as link:
        return AuditEvent.objects.create(**link(fields))


@dataclass(frozen=True)
class Result:
    key: str
    length: int
    broken_at: int | None = None  # the first row whose link does not hold
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _keys() -> list[str]:
    streets = AuditEvent.objects.order_by().values_list("street_id", flat=True).distinct()
    keys = {chain_key(s) for s in streets} | set(
        AuditChainHead.objects.values_list("key", flat=True)
    )
    return sorted(keys)


def verify_chain(key: str) -> Result:
    rows = AuditEvent.objects.order_by("id")
    if key == GLOBAL:
        rows = rows.filter(street_id__isnull=True)
    else:
        rows = rows.filter(street_id=int(key.partition(":")[2]))
    last, length = "", 0
    for row in rows.values("id", "prev_hash", "hash", *FIELDS).iterator(chunk_size=2000):
        if row["prev_hash"] != last:
            return Result(key, length, row["id"], "does not follow the row before it")
        if row["hash"] != digest(last, row):
            return Result(key, length, row["id"], "its contents changed after writing")
        last, length = row["hash"], length + 1
    head = AuditChainHead.objects.filter(key=key).first()
    if head is not None and (head.hash, head.length) != (last, length):
        return Result(key, length, None, "rows are missing from the end")
    return Result(key, length)


def verify(street_id: int | None = None, *, all_chains: bool = True) -> list[Result]:
    """Check every chain (or one street's)."""
    if not all_chains:
        return [verify_chain(chain_key(street_id))]
    return [verify_chain(key) for key in _keys()]


def heads() -> list[AuditChainHead]:
    return list(AuditChainHead.objects.order_by("key"))


def verify_job() -> dict[str, Any]:
    """The daily check: counts when every chain holds; a failure naming the first broken
    row of each broken chain otherwise (shown on the jobs page)."""
    results = verify()
    broken = [r for r in results if not r.ok]
    if broken:
        raise ChainBroken(
            "; ".join(f"{r.key}: row {r.broken_at or '-'} {r.problem}" for r in broken)
        )
    return {"chains": len(results), "rows": sum(r.length for r in results)}


class ChainBroken(RuntimeError):
    """An audit chain does not verify."""
