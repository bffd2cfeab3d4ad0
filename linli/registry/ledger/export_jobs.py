"""Ledger exports as background jobs: asked for on a page (``export_start``), built by the
worker (``run_export``), downloaded by whoever asked (``export_download``) until the file
expires (``purge_expired``, a scheduled job).

* **One export at a time per person.** Exports only read, so people do not hold each
  other up; one each keeps a person from queueing a pile of whole-street files in front of
  everyone else's. A second request while one runs is refused (``ExportRunning``, which
  names the running job). A job whose worker died holds nothing once it has not reported
  progress for ``ExportJob.STALE`` (as imports).
* **The stored file is sealed** with the personal-data key (``core.pii.seal``), masked or
  not: a masked list still holds names, addresses, birth dates and sensitive tags. The
  seal's context names the job and its owner, so a file cannot be passed off as another.
* **Only the owner downloads it**; anyone else gets 404, as for a job that does not exist.
  Each download of an unmasked file writes the access log with the reason given (the
  owner must still hold ``view_pii``).
* No personal data in URLs or logs: the filters are kept on the job, pages name it by
  its number, and a failure is logged by job number only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import pii
from linli.core.db import reading_from_replica
from linli.core.errors import Conflict, LinliError
from linli.grids import permissions as perms
from linli.registry import permissions as rp

from ..models import ExportJob, ExportKind, ExportPhase, Progress
from ..selectors.households import HouseholdFilters, household_search
from ..tasks import build_export
from .export import (
    ExportFile,
    check_unmask,
    compounds_export,
    households_export,
    record_unmasked_download,
    residents_export,
)

logger = logging.getLogger(__name__)


class ExportRunning(Conflict):
    """The actor has an export running already: ``job`` is that one."""

    def __init__(self, job: ExportJob):
        super().__init__(
            _(
                "You already have an export running. Wait until it has finished, "
                "then ask for the next one."
            )
        )
        self.job = job


def export_start(
    *, actor, kind: str, filters: HouseholdFilters, reason: str | None = None
) -> ExportJob:
    """Keep the request as a job and leave the file to the worker (``tasks.build_export``).

    ``reason`` asks for the full numbers (``view_pii`` and a reason, else ``InvalidInput``).
    Compounds read only ``filters.q``. A node outside the actor's scope is not found (404),
    as on the search page. Refused with ``ExportRunning`` while another export of the
    actor runs; nothing is kept then."""
    perms.require(actor, rp.EXPORT)
    if kind not in ExportKind.values:
        raise Http404
    if reason is not None:
        reason = check_unmask(actor, reason)
    if kind != ExportKind.COMPOUNDS:
        household_search(actor, filters)  # checks the node against the actor's scope
    with transaction.atomic():
        # The actor's row is the lock: two requests of one person run one after the other.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        running = ExportJob.objects.filter(ExportJob.alive(), actor=actor).first()
        if running is not None:
            raise ExportRunning(running)
        job = ExportJob.objects.create(
            street_id=min(perms.streets(actor, rp.EXPORT)),
            actor=actor,
            kind=kind,
            filters=dataclasses.asdict(filters),
            unmask=reason is not None,
            reason=reason or "",
            running=True,
            phase=ExportPhase.QUEUED,
            progress_at=timezone.now(),
        )
    build_export.enqueue(job.pk)
    return job


def _build(job: ExportJob, progress: Progress) -> ExportFile:
    filters = HouseholdFilters(**job.filters)
    reason = job.reason if job.unmask else None
    if job.kind == ExportKind.COMPOUNDS:
        return compounds_export(actor=job.actor, q=filters.q, progress=progress)
    build = households_export if job.kind == ExportKind.HOUSEHOLDS else residents_export
    return build(actor=job.actor, filters=filters, unmask_reason=reason, progress=progress)


def _seal_context(job: ExportJob) -> str:
    return f"ledger-export|{job.pk}|{job.actor_id}"


def run_export(job_id: int) -> ExportJob:
    """The worker's part: build the file with the actor's scope as it is now, seal and
    keep it. A refusal or an error leaves ``failure`` set and no file."""
    job = ExportJob.objects.select_related("actor").get(pk=job_id)
    if not job.running or job.file:
        return job
    job.failure = ""
    try:
        with reading_from_replica():
            export = _build(job, ExportJob.reporter(job.pk))
        try:
            with open(export.path, "rb") as built:
                sealed = pii.seal(built.read(), _seal_context(job))
        finally:
            os.unlink(export.path)
        job.file.save(f"{secrets.token_hex(16)}.xlsx.sealed", ContentFile(sealed), save=False)
        job.filename, job.unmasked = export.filename, export.unmasked
        job.rows_done = job.rows_total = export.rows
    except Http404:
        job.failure = _("You may no longer export this list; no file was made.")
    except LinliError as exc:
        job.failure = exc.message
    except Exception:
        logger.exception("ledger export %s failed", job.pk)
        job.failure = _("The export stopped with an error; no file was made. Try again.")
    now = timezone.now()
    if job.failure and job.file:
        job.file.delete(save=False)
    job.running, job.phase, job.progress_at, job.finished_at = False, "", now, now
    if not job.failure:
        job.expires_at = now + dt.timedelta(hours=settings.LINLI_EXPORT_KEEP_HOURS)
    job.save()
    return job


def export_job_get(actor, pk: int) -> ExportJob:
    """One of the actor's own export jobs in a street they may export from; else 404."""
    perms.require(actor, rp.EXPORT)
    job = ExportJob.objects.filter(
        pk=pk, actor=actor, street_id__in=perms.streets(actor, rp.EXPORT)
    ).first()
    if job is None:
        raise Http404
    return job


def export_jobs_recent(actor, limit: int = 10) -> list[ExportJob]:
    """The actor's latest exports, newest first: found again after the browser was closed."""
    perms.require(actor, rp.EXPORT)
    return list(
        ExportJob.objects.filter(actor=actor, street_id__in=perms.streets(actor, rp.EXPORT))
        .defer("filters", "unmasked")
        .order_by("-created_at", "-id")[:limit]
    )


def export_download(actor, pk: int) -> tuple[ExportJob, bytes]:
    """The job and its file, opened, for its owner while it is kept (else 404). An
    unmasked file is written to the access log at each download."""
    job = export_job_get(actor, pk)
    if not job.ready or (job.unmask and not perms.can(actor, perms.VIEW_PII)):
        raise Http404
    with job.file.open("rb") as stored:
        data = pii.unseal(stored.read(), _seal_context(job))
    if job.unmask:
        record_unmasked_download(actor=actor, unmasked=job.unmasked, reason=job.reason)
    return job, data


def purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled job: delete the files past ``expires_at`` (the jobs stay listed)."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file="").only("file"):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    return {"deleted": deleted}
