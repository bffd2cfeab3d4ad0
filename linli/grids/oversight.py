"""Oversight (等保 audit): the personal-data access log and the change history of a street,
for those holding ``audit.view``, read through the scope engine.

Who sees which rows:

* a grant on the street node (the street administrator) sees every row of the street;
* a grant lower down (a neighbourhood cadre) sees the rows of its street whose record lies
  in its subtree: a resident, household, place, grid node or role grant under its node, or
  a street-wide record its role reaches (a tag, a category, a ledger import job). Rows that
  name no single record (a bulk export's summary) or a record that no longer exists (a
  removed role grant) are the street administrator's alone;
* nothing outside the holder's street, ever: another street's rows are "not found".

Both logs are append-only; reading them changes nothing, and exporting one adds a row to
the change history (verb ``export``) of each street exported.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from linli.core import jobs
from linli.core.audit import (
    channel_label,
    describe_changes,
    fields_label,
    record_change,
    verb_label,
)
from linli.core.models import JobRun, ScheduledJob
from linli.core.xlsx import Workbook

from . import permissions as perms
from .models import GridNode, StreetAuditEvent, StreetPiiAccess
from .scope import ScopeSpec

EXPORT_MAX_ROWS = 100_000
LABEL_CHUNK = 2_000


@dataclass(frozen=True)
class Filters:
    """What the oversight pages filter by; every part is optional."""

    person: str = ""  # part of a user name or display name
    actor_id: int | None = None  # one person, from a link on a row
    action: str = ""  # a change's verb, or an access's channel
    target_type: str = ""  # "registry.resident"
    target_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive

    def as_dict(self) -> dict:
        """For the export's own change-history row: what was asked for (no personal data)."""
        out = {
            "person": self.person,
            "actor": self.actor_id,
            "action": self.action,
            "type": self.target_type,
            "id": self.target_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in out.items() if v not in (None, "")}


# --- who sees which rows ------------------------------------------------------------------


def target_models() -> list[type[models.Model]]:
    """Models whose rows the logs may name and the scope engine can place."""
    found = []
    for model in apps.get_models():
        spec = getattr(model, "scope", None)
        if isinstance(spec, ScopeSpec) and model not in (StreetAuditEvent, StreetPiiAccess):
            found.append(model)
    return found


def target_types() -> list[tuple[str, str]]:
    """(label, name) of every kind of record the logs may name, by name."""
    pairs = [(m._meta.label_lower, str(m._meta.verbose_name)) for m in target_models()]
    return sorted(pairs, key=lambda pair: pair[1])


def _targets_in_scope(actor) -> Q:
    """Rows naming a record the actor's audit grants reach."""
    combined = Q(pk__in=[])
    for model in target_models():
        reached = perms.filter_to_scope(model._default_manager.all(), actor, perms.AUDIT_VIEW)
        combined |= Q(target_type=model._meta.label_lower, target_id__in=reached.values("pk"))
    return combined


def _in_scope(qs: QuerySet, actor) -> QuerySet:
    """The scope engine's street filter, then the narrowing below the street (module doc)."""
    qs = perms.filter_to_scope(qs, actor, perms.AUDIT_VIEW)
    whole: set[int] = set()
    partial: set[int] = set()
    for grant in perms.grants_for(actor, perms.AUDIT_VIEW):
        street_wide = grant.kind == perms.NODE and grant.node_id == grant.street_id
        (whole if street_wide else partial).add(grant.street_id)
    partial -= whole
    if not partial:
        return qs
    return qs.filter(Q(street_id__in=whole) | (Q(street_id__in=partial) & _targets_in_scope(actor)))


def may_oversee(actor) -> bool:
    return perms.can(actor, perms.AUDIT_VIEW)


def _filtered(qs: QuerySet, filters: Filters, action_field: str) -> QuerySet:
    if filters.actor_id:
        qs = qs.filter(actor_id=filters.actor_id)
    if filters.person:
        qs = qs.filter(
            Q(actor__username__icontains=filters.person)
            | Q(actor__display_name__icontains=filters.person)
        )
    if filters.action:
        qs = qs.filter(**{action_field: filters.action})
    if filters.target_type:
        qs = qs.filter(target_type=filters.target_type)
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    if filters.date_from:
        qs = qs.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    return qs.select_related("actor").order_by("-at", "-id")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def pii_accesses(actor, filters: Filters = Filters()) -> QuerySet[StreetPiiAccess]:
    """个人信息查看记录: who saw whose ID number or phone in clear, when, how and why."""
    return _filtered(_in_scope(StreetPiiAccess.objects.all(), actor), filters, "channel")


def audit_events(actor, filters: Filters = Filters()) -> QuerySet[StreetAuditEvent]:
    """操作记录: every recorded change, newest first."""
    return _filtered(_in_scope(StreetAuditEvent.objects.all(), actor), filters, "verb")


def audit_event_get(actor, pk: int) -> StreetAuditEvent:
    """One change record in the actor's oversight scope, else Http404 (same as missing)."""
    return perms.get_in_scope(
        _in_scope(StreetAuditEvent.objects.select_related("actor"), actor),
        actor,
        perms.AUDIT_VIEW,
        pk=pk,
    )


def action_choices(kind: str) -> list[tuple[str, str]]:
    from linli.core.audit import CHANNELS, VERBS

    chosen = CHANNELS if kind == "pii" else VERBS
    return [(key, str(label)) for key, label in chosen.items()]


# --- how rows read --------------------------------------------------------------------------


def type_label(target_type: str) -> str:
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


def object_labels(actor, rows: Iterable) -> dict[tuple[str, int], str]:
    """What each row's record is called (a resident's name, a household's address), for
    the records the actor's audit grants reach; others keep their number only."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.target_id is not None:
            wanted.setdefault(row.target_type, set()).add(row.target_id)
    labels: dict[tuple[str, int], str] = {}
    for target_type, ids in wanted.items():
        try:
            model = apps.get_model(target_type)
        except (LookupError, ValueError):
            continue
        if not isinstance(getattr(model, "scope", None), ScopeSpec):
            continue
        reached = perms.filter_to_scope(
            model._default_manager.select_related(), actor, perms.AUDIT_VIEW
        )
        for obj in reached.filter(pk__in=ids):
            labels[(target_type, obj.pk)] = str(obj)
    return labels


@dataclass
class Line:
    """One log row as the page and the export show it."""

    row: models.Model
    when: str
    person: str
    username: str
    action: str
    type: str
    object: str
    details: list[tuple[str, str]] = field(default_factory=list)


def _person(row) -> tuple[str, str]:
    if row.actor_id is None:
        return _("System"), ""
    return str(row.actor), row.actor.username


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _object(row, labels) -> str:
    if row.target_id is None:
        return ""
    name = labels.get((row.target_type, row.target_id))
    return f"{name} (#{row.target_id})" if name else f"#{row.target_id}"


def pii_lines(actor, rows: list[StreetPiiAccess]) -> list[Line]:
    labels = object_labels(actor, rows)
    lines = []
    for row in rows:
        person, username = _person(row)
        obj = _object(row, labels)
        if row.target_id is None:
            obj = _("%(count)d records") % {"count": row.record_count}
        lines.append(
            Line(
                row=row,
                when=_when(row.at),
                person=person,
                username=username,
                action=channel_label(row.channel),
                type=type_label(row.target_type),
                object=obj,
                details=[(_("Shown in full"), fields_label(row.fields)), (_("Reason"), row.reason)],
            )
        )
    return lines


EXPORT_KEYS = {"log", "rows", "filters"}


def change_lines(event) -> list[tuple[str, str]]:
    """The recorded changes of one event as (what, how) lines (masked when written)."""
    changes = event.changes or {}
    if event.verb == "export" and set(changes) <= EXPORT_KEYS:
        log = changes.get("log")
        what = _("Personal data access log") if log == "pii" else _("Audit trail")
        lines = [(_("Log exported"), what), (_("Rows exported"), str(changes.get("rows", "")))]
        filters = changes.get("filters") or {}
        if filters:
            lines.append((_("Filtered by"), "；".join(f"{k}: {v}" for k, v in filters.items())))
        return lines
    return describe_changes(event.target_type, changes)


def audit_lines(actor, rows: list[StreetAuditEvent]) -> list[Line]:
    labels = object_labels(actor, rows)
    lines = []
    for row in rows:
        person, username = _person(row)
        lines.append(
            Line(
                row=row,
                when=_when(row.at),
                person=person,
                username=username,
                action=verb_label(row.verb),
                type=type_label(row.target_type),
                object=_object(row, labels),
                details=[(_("Summary"), row.summary)],
            )
        )
    return lines


# --- export -------------------------------------------------------------------------------


class TooManyRows(Exception):
    """The export would exceed EXPORT_MAX_ROWS; nothing was written or recorded."""


@dataclass
class ExportFile:
    path: str  # a temporary file; the view streams it and removes it
    filename: str
    rows: int


def _chunks(qs: QuerySet) -> Iterator[list]:
    chunk: list = []
    for row in qs.iterator(chunk_size=LABEL_CHUNK):
        chunk.append(row)
        if len(chunk) == LABEL_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _export(actor, kind: str, qs: QuerySet, filters: Filters) -> ExportFile:
    count = qs.count()
    if count > EXPORT_MAX_ROWS:
        raise TooManyRows(count)
    if kind == "pii":
        title = _("Personal data access log")
        headers = [_("Time"), _("Person"), _("User name"), _("How"), _("Record type"),
                   _("Record"), _("Shown in full"), _("Records"), _("Reason")]  # fmt: skip
        widths = [17, 12, 14, 12, 10, 24, 14, 8, 40]
    else:
        title = _("Audit trail")
        headers = [_("Time"), _("Person"), _("User name"), _("Action"), _("Record type"),
                   _("Record"), _("Summary"), _("Changes")]  # fmt: skip
        widths = [17, 12, 14, 12, 10, 24, 40, 60]
    with Workbook() as book:
        sheet = book.sheet(title, headers, widths)
        for chunk in _chunks(qs):
            lines = pii_lines(actor, chunk) if kind == "pii" else audit_lines(actor, chunk)
            for line in lines:
                row = line.row
                cells = [line.when, line.person, line.username, line.action, line.type, line.object]
                if kind == "pii":
                    cells += [fields_label(row.fields), row.record_count, row.reason]
                else:
                    changes = "；".join(f"{k}: {v}" for k, v in change_lines(row))
                    cells += [row.summary, changes]
                sheet.append(cells)  # text is neutralised against formulas by the writer
        path = book.save()
    try:
        _record_export(actor, kind, filters, count)
    except BaseException:
        os.unlink(path)
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = "pii-access-log" if kind == "pii" else "change-history"
    return ExportFile(path=path, filename=f"{name}-{stamp}.xlsx", rows=count)


def _record_export(actor, kind: str, filters: Filters, count: int) -> None:
    """One change-history row per audit grant: the export of the log is itself audited."""
    nodes = GridNode.objects.filter(
        pk__in={g.node_id for g in perms.grants_for(actor, perms.AUDIT_VIEW)}
    )
    what = _("personal data access log") if kind == "pii" else _("audit trail")
    for node in nodes:
        record_change(
            actor=actor,
            target=node,
            verb="export",
            summary=_("Exported the %(log)s (%(count)d rows)") % {"log": what, "count": count},
            changes={"log": kind, "rows": count, "filters": filters.as_dict()},
        )


def pii_export(actor, filters: Filters) -> ExportFile:
    return _export(actor, "pii", pii_accesses(actor, filters), filters)


def audit_export(actor, filters: Filters) -> ExportFile:
    return _export(actor, "audit", audit_events(actor, filters), filters)


# --- background jobs -----------------------------------------------------------------------


@dataclass
class JobRow:
    label: str
    name: str
    every: dt.timedelta
    state: ScheduledJob | None
    recent: list[JobRun]


def job_rows(recent: int = 5) -> list[JobRow]:
    """Every registered job with its state and its last few runs (the jobs are the house's,
    not one street's: the counts are totals)."""
    states = {s.name: s for s in ScheduledJob.objects.all()}
    runs: dict[str, list[JobRun]] = {}
    for job in jobs.registered():
        runs[job.name] = list(JobRun.objects.filter(job=job.name).order_by("-started_at")[:recent])
    return [
        JobRow(str(job.label), job.name, job.every, states.get(job.name), runs[job.name])
        for job in jobs.registered()
    ]
