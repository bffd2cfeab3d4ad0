"""Ledger import: dry run (preview) and commit, for the page and the command line.

``ledger_preview`` stores the upload and its SHA-256 in an ``ImportJob`` with the counts
and the row errors, and a sealed snapshot of the rows it parsed (``snapshot``).
``ledger_commit`` takes the rows from that snapshot (or, when it cannot be trusted,
re-reads the stored file, which must still hash to what the worker saw), plans again
against the registry as it is now, and applies the plan in one transaction: any error
and nothing is saved. The
job row is locked first and must still be "previewed", so a double click imports once;
the street's node is locked next, so two imports into one street run one after the
other. Writes are bulk operations: a fixed number of queries per few thousand rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import auditchain, pii
from linli.core.db import update_statistics
from linli.core.errors import Conflict, LinliError
from linli.core.models import AuditEvent
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind
from linli.registry import permissions as rp

from ..models import (
    Building,
    Dwelling,
    Entrance,
    Household,
    HouseholdTag,
    ImportJob,
    ImportPhase,
    ImportStatus,
    Progress,
    Resident,
    ResidentTag,
    Tag,
    address_sort_key,
)
from ..tags import refresh_derived_tags
from ..tasks import ANALYSE_AFTER_ROWS, commit_ledger, preview_ledger, refresh_statistics
from . import snapshot
from .bulk import Inserter, lock_street
from .plan import DEFAULT_STATUS, DEFAULT_TENURE, PERSON_FIELDS, Plan, build_plan, tags_for
from .reader import SheetLayout, read_rows
from .rows import LedgerRow, RowError, RowParser
from .safety import LedgerFileError, check_workbook

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1000  # rows read between two progress reports
MAX_STORED_ERRORS = 1000
MAX_STORED_CHANGES = 1000
BATCH = 2000
WHOLE_STREET_REFRESH = 5000  # above this many households, refresh the street's derived tags
ANALYSE_BEFORE_CHECKS = 500  # new households from which the import refreshes statistics first


@dataclass
class Analysis:
    """What a ledger file would do. ``file_error`` set means the file itself was refused."""

    tags: dict[str, Tag] = field(default_factory=dict)
    layout: SheetLayout | None = None
    rows: list[LedgerRow] = field(default_factory=list)
    plan: Plan | None = None
    file_error: RowError | None = None
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors

    def counts(self) -> dict:
        counts = self.plan.counts() if self.plan else {}
        if self.layout:
            counts["header_row"] = self.layout.header_row
            counts["unknown_columns"] = self.layout.unknown + self.layout.duplicates
        counts["errors_total"] = len(self.errors) + (1 if self.file_error else 0)
        if self.ok:
            changes = self.plan.changed_cells()
            counts["changes"] = changes[:MAX_STORED_CHANGES]
            counts["changes_total"] = len(changes)
        return counts

    def errors_json(self) -> list[dict]:
        errors = [self.file_error] if self.file_error else self.errors
        return [e.as_json() for e in errors[:MAX_STORED_ERRORS]]


def import_streets(actor) -> list[GridNode]:
    """Streets the actor may import into."""
    ids = perms.streets(actor, rp.IMPORT)
    return list(GridNode.objects.filter(pk__in=ids, kind=NodeKind.STREET).order_by("code"))


def _check_street(actor, street_id: int) -> None:
    if actor is not None and street_id not in perms.streets(actor, rp.IMPORT):
        raise Http404


def analyse(
    *,
    actor,
    street_id: int,
    path: str,
    size: int | None = None,
    tags=None,
    parsed=None,
    progress: Progress | None = None,
) -> Analysis:
    """Check, read and plan a ledger file without writing anything.

    ``tags`` are the ones the actor may name (``tags_for``). ``parsed`` is
    ``(layout, rows)`` from a preview's snapshot: the file is then not read again, only
    planned against the registry as it is now. ``progress(phase, done, total)`` is told
    every ``PROGRESS_EVERY`` rows read, and when the planning starts."""
    analysis = Analysis(tags=tags if tags is not None else tags_for(actor, street_id))
    tags = analysis.tags
    try:
        if parsed is None:
            check_workbook(path, size)
            layout, sheet_rows = read_rows(path)
            parser = RowParser(layout, tags)
            rows = []
            for sheet_row in sheet_rows:
                rows.append(parser.parse(sheet_row))
                if progress and len(rows) % PROGRESS_EVERY == 0:
                    progress(ImportPhase.READING, len(rows), max(layout.rows_total, len(rows)))
        else:
            layout, rows = parsed
        analysis.layout, analysis.rows = layout, rows
        if progress:
            progress(ImportPhase.CHECKING, len(rows), len(rows))
        analysis.plan = build_plan(
            actor=actor, street_id=street_id, rows=rows, tags=tags, headers=layout.headers
        )
    except LedgerFileError as exc:
        analysis.file_error = RowError(None, "", exc.code, exc.message)
        return analysis
    analysis.errors = sorted(analysis.plan.errors, key=lambda e: (e.row or 0, e.column))
    return analysis


def _copy_hashing(source, target) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in (
        source.chunks() if hasattr(source, "chunks") else iter(lambda: source.read(1 << 20), b"")
    ):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    target.flush()
    return digest.hexdigest(), size


def _refuse_if_busy(street_id: int) -> None:
    """Refuse while another import job of the street runs (and was not abandoned)."""
    if ImportJob.objects.filter(ImportJob.alive(), street_id=street_id).exists():
        raise Conflict(
            _(
                "Another ledger import is running in this street. Wait until it has "
                "finished, then try again."
            )
        )


def _store(*, actor, street_id: int, upload, filename: str) -> ImportJob:
    """Keep the upload in a new job, to be checked by ``run_preview`` (``running``).

    A file over the size limit is refused at once (a rejected job, the file not kept).
    Refused with ``Conflict`` (and nothing kept) while another import runs in the street.
    """
    perms.require(actor, rp.IMPORT)
    _check_street(actor, street_id)
    filename = os.path.basename(filename or "ledger.xlsx")[:200]
    declared = getattr(upload, "size", None)
    if declared is not None and declared > settings.LINLI_IMPORT_MAX_BYTES:
        with tempfile.NamedTemporaryFile(prefix="linli-import-", suffix=".xlsx") as empty:
            analysis = analyse(actor=actor, street_id=street_id, path=empty.name, size=declared)
        return ImportJob.objects.create(
            street_id=street_id,
            actor=actor,
            filename=filename,
            sha256="",
            status=ImportStatus.REJECTED,
            counts=analysis.counts(),
            errors=analysis.errors_json(),
        )
    with tempfile.NamedTemporaryFile(prefix="linli-import-", suffix=".xlsx") as tmp:
        sha, _size = _copy_hashing(upload, tmp)
        with transaction.atomic():
            lock_street(street_id)
            _refuse_if_busy(street_id)
            job = ImportJob(
                street_id=street_id,
                actor=actor,
                filename=filename,
                sha256=sha,
                status=ImportStatus.CHECKING,
                running=True,
                phase=ImportPhase.QUEUED,
                progress_at=timezone.now(),
            )
            tmp.seek(0)
            job.file.save(f"{sha[:16]}.xlsx", File(tmp), save=False)
            job.save()
    return job


def run_preview(job_id: int, progress: Progress | None = None) -> ImportJob:
    """Check a stored upload (``_store``): what importing it would do, no registry row
    saved. A file refused by the checks is not kept; an unexpected error leaves the job
    rejected with ``failure`` set."""
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if not job.running or job.status != ImportStatus.CHECKING:
        return job
    report = ImportJob.reporter(job.pk, progress)
    report(ImportPhase.READING, 0, 0)
    try:
        with tempfile.NamedTemporaryFile(prefix="linli-import-", suffix=".xlsx") as tmp:
            with job.file.open("rb") as stored:
                _sha, size = _copy_hashing(stored, tmp)
            analysis = analyse(
                actor=job.actor, street_id=job.street_id, path=tmp.name, size=size, progress=report
            )
        job.status = ImportStatus.PREVIEWED if analysis.ok else ImportStatus.REJECTED
        job.counts = analysis.counts()
        job.errors = analysis.errors_json()
        job.rows_done = job.rows_total = len(analysis.rows)
        if analysis.file_error is not None:
            job.file.delete(save=False)
        elif analysis.ok:
            snapshot.save(job.file.name, job.sha256, analysis.tags, analysis.layout, analysis.rows)
    except Exception:
        logger.exception("ledger preview %s failed", job.pk)
        job.status = ImportStatus.REJECTED
        job.failure = _(
            "The check stopped with an error; nothing was saved. Upload the file again."
        )
    job.running, job.phase, job.progress_at = False, "", timezone.now()
    job.save()
    return job


def ledger_preview(
    *, actor, street_id: int, upload, filename: str, progress: Progress | None = None
) -> ImportJob:
    """Dry run, at once (the command line): store the upload and what importing it would
    do. Saves no registry rows. ``upload`` is a Django ``UploadedFile`` (or any file
    object); a file refused by the checks is not kept."""
    job = _store(actor=actor, street_id=street_id, upload=upload, filename=filename)
    return run_preview(job.pk, progress) if job.running else job


def ledger_upload(*, actor, street_id: int, upload, filename: str) -> ImportJob:
    """The page's dry run: store the upload and leave the check to the worker
    (``tasks.preview_ledger``); the job's page shows its progress."""
    job = _store(actor=actor, street_id=street_id, upload=upload, filename=filename)
    if job.running:
        preview_ledger.enqueue(job.pk)
    return job


def import_jobs_recent(actor, limit: int = 5) -> list[ImportJob]:
    """The actor's latest import jobs (running ones first), for the import page: a job
    running in the worker is found again after the browser was closed."""
    perms.require(actor, rp.IMPORT)
    return list(
        ImportJob.objects.filter(actor=actor, street_id__in=perms.streets(actor, rp.IMPORT))
        .order_by("-running", "-created_at", "-id")
        .only("id", "filename", "status", "running", "phase", "created_at", "street_id")[:limit]
    )


def ledger_commit_start(*, actor, job_id: int, sha256: str) -> ImportJob:
    """The page's import: check that the previewed job may be imported, mark it running
    and leave the import to the worker (``tasks.commit_ledger``). Refused with
    ``Conflict``, the job unchanged, when it was imported or rejected already, when the
    file changed, or while another import runs in the street."""
    job = import_job_get(actor, job_id)
    with transaction.atomic():
        lock_street(job.street_id)
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _check_committable(job, sha256)
        _refuse_if_busy(job.street_id)
        job.running, job.phase, job.failure = True, ImportPhase.QUEUED, ""
        job.rows_done, job.rows_total = 0, (job.counts or {}).get("rows", 0)
        job.progress_at = timezone.now()
        job.save(
            update_fields=[
                "running", "phase", "failure", "rows_done", "rows_total", "progress_at"
            ]
        )  # fmt: skip
    commit_ledger.enqueue(job.pk, actor.pk, sha256)
    return job


def run_commit(job_id: int, actor, sha256: str) -> ImportJob:
    """The worker's import of a job marked by ``ledger_commit_start``: ``ledger_commit``,
    with any refusal or error recorded on the job (``failure``; nothing was saved)."""
    report = ImportJob.reporter(job_id)
    total = ImportJob.objects.get(pk=job_id).rows_total
    report(ImportPhase.SAVING, 0, total)
    failure = ""
    try:
        ledger_commit(actor=actor, job_id=job_id, sha256=sha256)
    except LinliError as exc:
        failure = exc.message
    except Exception:
        logger.exception("ledger import %s failed", job_id)
        failure = _("The import stopped with an error; nothing was saved. Try again.")
    done = total if not failure else 0
    ImportJob.objects.filter(pk=job_id).update(
        running=False, phase="", failure=failure[:300], rows_done=done,
        progress_at=timezone.now(),
    )  # fmt: skip
    return ImportJob.objects.get(pk=job_id)


def import_job_get(actor, pk: int) -> ImportJob:
    """One of the actor's own import jobs in a street they may import into; else 404."""
    perms.require(actor, rp.IMPORT)
    job = ImportJob.objects.filter(
        pk=pk, actor=actor, street_id__in=perms.streets(actor, rp.IMPORT)
    ).first()
    if job is None:
        raise Http404
    return job


def _check_committable(job: ImportJob, sha256: str) -> None:
    if job.status != ImportStatus.PREVIEWED:
        raise Conflict(_("This file has already been imported or was rejected."))
    if not sha256 or sha256 != job.sha256:
        raise Conflict(_("The file changed since the preview. Upload it again."))


def ledger_commit(*, actor, job_id: int, sha256: str) -> ImportJob:
    """Import a previewed file for real, all or nothing.

    ``sha256`` is the hash shown with the preview: the stored file must still match it.
    If the registry changed since the preview so that the file now has errors, the job
    becomes "rejected" with the new errors and nothing is saved.
    """
    job = import_job_get(actor, job_id)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _check_committable(job, sha256)
        lock_street(job.street_id)
        tags = tags_for(actor, job.street_id)
        parsed = snapshot.load(job.file.name, job.sha256, tags)
        if parsed is not None:
            analysis = analyse(
                actor=actor, street_id=job.street_id, path="", tags=tags, parsed=parsed
            )
        else:
            with tempfile.NamedTemporaryFile(prefix="linli-import-", suffix=".xlsx") as tmp:
                with job.file.open("rb") as stored:
                    digest, _size = _copy_hashing(stored, tmp)
                if digest != job.sha256:
                    raise Conflict(
                        _("The stored file does not match its preview. Upload it again.")
                    )
                analysis = analyse(actor=actor, street_id=job.street_id, path=tmp.name, tags=tags)
        transaction.on_commit(lambda name=job.file.name: snapshot.discard(name))
        if not analysis.ok:
            job.status = ImportStatus.REJECTED
            job.counts = analysis.counts()
            job.errors = analysis.errors_json()
            job.save(update_fields=["status", "counts", "errors"])
            return job
        counts = analysis.counts()
        try:
            with transaction.atomic():
                apply_plan(actor=actor, plan=analysis.plan, job_id=job.pk)
        except IntegrityError:
            raise Conflict(
                _("The registry changed while importing; nothing was saved. Try again.")
            ) from None
        job.status = ImportStatus.COMMITTED
        job.counts = counts
        job.committed_at = timezone.now()
        job.save(update_fields=["status", "counts", "committed_at"])
    return job


@dataclass
class ImportResult:
    """What the command line prints: counts, errors (as stored), and whether it is clean."""

    counts: dict
    errors: list[dict]
    ok: bool


def import_file(
    *, actor, street_id: int, path: str, dry_run: bool, progress: Progress | None = None
) -> ImportResult:
    """The command line's import: analyse, and unless ``dry_run`` apply in one transaction.

    With an actor the import goes through ``ledger_preview``/``ledger_commit`` exactly as
    from the page (their scope, an ImportJob). Without one it runs as the operator over
    the whole street and records no job (a job needs a person to answer for it).
    """
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    _check_street(actor, street_id)
    if actor is not None:
        perms.require(actor, rp.IMPORT)
        with open(path, "rb") as handle:
            job = ledger_preview(
                actor=actor,
                street_id=street_id,
                upload=handle,
                filename=os.path.basename(path),
                progress=progress,
            )
        if not dry_run and job.status == ImportStatus.PREVIEWED:
            if progress:
                progress(ImportPhase.SAVING, job.rows_total, job.rows_total)
            job = ledger_commit(actor=actor, job_id=job.pk, sha256=job.sha256)
        ok = job.status in (ImportStatus.PREVIEWED, ImportStatus.COMMITTED)
        return ImportResult(job.counts, job.errors, ok)
    analysis = analyse(actor=None, street_id=street_id, path=path, progress=progress)
    counts = analysis.counts()
    if analysis.ok and not dry_run:
        if progress:
            progress(ImportPhase.SAVING, len(analysis.rows), len(analysis.rows))
        with transaction.atomic():
            lock_street(street_id)
            apply_plan(actor=None, plan=analysis.plan, job_id=None)
    return ImportResult(counts, analysis.errors_json(), analysis.ok)


# --- applying a plan -------------------------------------------------------------------------


def apply_plan(*, actor, plan: Plan, job_id: int | None) -> set[int]:
    """Write the plan; return the ids of the households created or changed.

    Must run inside the caller's transaction, after ``bulk.lock_street``. New rows go
    through ``bulk.Inserter`` (COPY on PostgreSQL), changed rows through ``bulk_update``.
    """
    now = timezone.now()
    street_id = plan.street_id
    changed = [g for g in plan.households if g.changed]
    for group in changed:
        group.stats = {
            "created": group.existing is None,
            "added": sum(1 for p in group.residents if p.existing is None),
            "changed": sum(1 for p in group.residents if p.existing is not None and p.changes),
        }
    _insert_places(plan, changed)

    compound_names = {c.pk: c.name for c in plan.compounds.values()}
    tenure_updates = []
    with Inserter(
        expected=sum(1 for g in changed if g.existing is None),
        model=Household,
        columns=[
            "street_id",
            "dwelling_id",
            "grid_id",
            "tenure",
            "note",
            "address_key",
            "created_at",
            "updated_at",
        ],
    ) as households:
        for group in changed:
            dwelling = plan.dwellings[group.key]
            if group.existing is None:
                compound_id, building, entrance, room = group.key
                group.household_id = households.add(
                    street_id, dwelling.pk, dwelling.grid_id, group.tenure or DEFAULT_TENURE,
                    "", address_sort_key(compound_names[compound_id], building, entrance, room),
                    now, now,
                )  # fmt: skip
                group.grid_id = dwelling.grid_id
            else:
                group.household_id = group.existing.pk
                group.grid_id = group.existing.grid_id
                if "tenure" in group.changes:
                    tenure_updates.append(
                        Household(pk=group.existing.pk, tenure=group.tenure, updated_at=now)
                    )
    _bulk_update(tenure_updates, ["tenure", "updated_at"])

    touched: set[int] = set()
    resident_updates, update_fields = [], set()
    encrypt = pii.encryptor()
    with Inserter(
        expected=sum(1 for g in changed for p in g.residents if p.existing is None),
        model=Resident,
        columns=[
            "street_id",
            "household_id",
            "grid_id",
            "name",
            "gender",
            "birth_date",
            "id_number_enc",
            "id_number_bidx",
            "phone_enc",
            "phone_bidx",
            "phone_last4",
            "relation",
            "residence_status",
            "user_id",
            "created_at",
            "updated_at",
        ],
    ) as residents:
        for group in changed:
            household_id = group.household_id
            touched.add(household_id)
            for person in group.residents:
                row = person.row
                if person.existing is None:
                    person.resident_id = residents.add(
                        street_id, household_id, group.grid_id, row.name, row.gender or "",
                        row.birth_date, encrypt(row.id_number), row.id_bidx, encrypt(row.phone),
                        row.phone_bidx, row.phone[-4:], person.relation,
                        row.status or DEFAULT_STATUS, None, now, now,
                    )  # fmt: skip
                    continue
                known = person.existing
                person.resident_id = known.pk
                if not person.changes:
                    continue
                if known.household_id and known.household_id != household_id:
                    touched.add(known.household_id)
                resident = Resident(
                    pk=known.pk,
                    street_id=street_id,
                    **{name: getattr(known, name) for name in PERSON_FIELDS if name != "pk"},
                )
                fields = _apply_resident_changes(resident, person, household_id, group.grid_id)
                if fields:
                    resident.updated_at = now
                    update_fields |= {*fields, "updated_at"}
                    resident_updates.append(resident)
    _bulk_update(resident_updates, sorted(update_fields))
    _apply_tags(plan, changed)
    _audit(actor, plan, changed, job_id, now)
    analysed = households.count >= ANALYSE_BEFORE_CHECKS
    if analysed:
        # The derived tags below and the place keys checked at COMMIT are planned from the
        # statistics. With those of a street that had few rows, PostgreSQL expects one
        # resident where there are now thousands: the keys probed the new rows by grid
        # (thousands a check) instead of by id, and a derived tag's INSERT … SELECT
        # rescanned every link it had just written for each resident (a second street's
        # import took three to six times as long as the first's). Inside the transaction,
        # ANALYZE counts the rows written so far; its figures are kept at COMMIT.
        update_statistics(Entrance, Dwelling, Household, Resident, HouseholdTag, ResidentTag)
    written = sum(len(g.residents) + 1 for g in changed)
    if written >= ANALYSE_AFTER_ROWS and not analysed:
        transaction.on_commit(refresh_statistics.enqueue)
    if len(touched) > WHOLE_STREET_REFRESH:
        # Set-based over the street: cheaper than thousands of ids in IN lists.
        refresh_derived_tags(street_id)
    else:
        ids = sorted(touched)
        for i in range(0, len(ids), BATCH):
            refresh_derived_tags(street_id, ids[i : i + BATCH])
    return touched


def _insert_places(plan: Plan, changed) -> None:
    street_id = plan.street_id
    buildings = Inserter(
        Building,
        ["street_id", "compound_id", "grid_id", "number", "floors", "has_lift", "leader_id"],
    )
    for b in plan.buildings.values():
        if b.pk is None:
            b.pk = buildings.add(street_id, b.parent.pk, b.grid_id, b.number, None, False, None)
    buildings.flush()
    entrances = Inserter(Entrance, ["street_id", "building_id", "number"])
    for e in plan.entrances.values():
        if e.pk is None:
            e.pk = entrances.add(street_id, e.parent.pk, e.number)
    entrances.flush()
    area_updates = []
    for group in changed:
        d = plan.dwellings[group.key]
        if group.area is not None and d.pk is not None and d.area_m2 != group.area:
            d.area_m2 = group.area
            area_updates.append(Dwelling(pk=d.pk, area_m2=group.area))
        elif d.pk is None and group.area is not None:
            d.area_m2 = group.area
    with Inserter(
        Dwelling,
        ["street_id", "entrance_id", "grid_id", "room", "floor", "area_m2"],
        expected=sum(1 for d in plan.dwellings.values() if d.pk is None),
    ) as dwellings:
        for d in plan.dwellings.values():
            if d.pk is None:
                d.pk = dwellings.add(
                    street_id, d.parent.pk, d.grid_id, d.number, d.floor, d.area_m2
                )
    _bulk_update(area_updates, ["area_m2"])


def _apply_resident_changes(resident: Resident, person, household_id: int, grid_id: int):
    row = person.row
    fields = []
    for name, value in (
        ("name", row.name),
        ("relation", person.relation),
        ("residence_status", row.status),
        ("gender", row.gender),
        ("birth_date", row.birth_date),
    ):
        if value and getattr(resident, name) != value:
            setattr(resident, name, value)
            fields.append(name)
    if row.id_bidx and resident.id_number_bidx != row.id_bidx:
        resident.set_id_number(row.id_number)
        fields += ["id_number_enc", "id_number_bidx"]
    if row.phone_bidx and resident.phone_bidx != row.phone_bidx:
        resident.set_phone(row.phone)
        fields += ["phone_enc", "phone_bidx", "phone_last4"]
    if resident.household_id != household_id or resident.grid_id != grid_id:
        resident.household_id = household_id
        resident.grid_id = grid_id
        fields += ["household", "grid"]
    return fields


def _apply_tags(plan: Plan, changed) -> None:
    street_id = plan.street_id
    delete_h, delete_r, level_h, level_r = [], [], [], []
    new_h = Inserter(HouseholdTag, ["street_id", "household_id", "tag_id", "level"])
    new_r = Inserter(ResidentTag, ["street_id", "resident_id", "tag_id", "level"])
    for group in changed:
        if group.tags is not None:
            have = plan.household_tags.get(group.household_id, {}) if group.existing else {}
            _diff_tags(have, group.tags, delete_h, level_h)
            for tag_id, level in group.tags.items():
                if tag_id not in have:
                    new_h.add(street_id, group.household_id, tag_id, level)
        for person in group.residents:
            if person.tags is None:
                continue
            have = plan.resident_tags.get(person.resident_id, {}) if person.existing else {}
            _diff_tags(have, person.tags, delete_r, level_r)
            for tag_id, level in person.tags.items():
                if tag_id not in have:
                    new_r.add(street_id, person.resident_id, tag_id, level)
    for i in range(0, len(delete_h), BATCH):
        HouseholdTag.objects.filter(pk__in=delete_h[i : i + BATCH]).delete()
    for i in range(0, len(delete_r), BATCH):
        ResidentTag.objects.filter(pk__in=delete_r[i : i + BATCH]).delete()
    _bulk_update([HouseholdTag(pk=x.pk, level=x.level) for x in level_h], ["level"])
    _bulk_update([ResidentTag(pk=x.pk, level=x.level) for x in level_r], ["level"])
    new_h.flush()
    new_r.flush()


def _diff_tags(have: dict, wanted: dict[int, str], deletes: list, level_updates: list) -> None:
    for tag_id, link in have.items():
        if tag_id not in wanted:
            deletes.append(link.pk)
        elif link.level != wanted[tag_id]:
            link.level = wanted[tag_id]
            level_updates.append(link)  # a record: turned into a model row below


def _audit(actor, plan: Plan, changed, job_id: int | None, at) -> None:
    """One change-history entry per household the import created or changed (no PII)."""
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    created_text = _("Household created from a ledger import")
    updated_text = _("Household updated from a ledger import")
    with (
        auditchain.extending(plan.street_id) as link,
        Inserter(
            expected=len(changed),
            model=AuditEvent,
            columns=[*AUDIT_COLUMNS, "prev_hash", "hash"],
        ) as events,
    ):
        for group in changed:
            row = link(
                {
                    "at": at,
                    "actor_id": actor_id,
                    "verb": "import",
                    "target_type": "registry.household",
                    "target_id": group.household_id,
                    "household_id": group.household_id,
                    "summary": created_text if group.stats["created"] else updated_text,
                    "changes": {
                        "import_job": job_id,
                        "fields": sorted(group.changes),
                        "members_added": group.stats["added"],
                        "members_changed": group.stats["changed"],
                    },
                }
            )
            events.add(*(row[c] for c in (*AUDIT_COLUMNS, "prev_hash", "hash")))


# The chained fields but the request's address: an import runs in the worker.
AUDIT_COLUMNS = tuple(f for f in auditchain.FIELDS if f != "ip")


def _bulk_update(objs: list, fields: list[str]) -> None:
    if objs and fields:
        type(objs[0]).objects.bulk_update(objs, fields, batch_size=BATCH)
