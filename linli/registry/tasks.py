"""Background work for the registry."""

from __future__ import annotations

from django_tasks import task

from linli.core.db import update_statistics

from .models import Dwelling, Household, HouseholdTag, Resident, ResidentTag

# An import writing at least this many rows refreshes the planner's statistics.
ANALYSE_AFTER_ROWS = 10_000


@task()
def refresh_statistics() -> None:
    """ANALYZE the tables a large ledger import fills (PostgreSQL only).

    Until the statistics know the registry's new size, PostgreSQL plans the search page
    as if the tables were small, plans that are slow on a large registry (figures in
    docs/ledger.md); autovacuum would get there eventually, if it is on, this gets there
    at once.
    """
    update_statistics(Dwelling, Household, Resident, HouseholdTag, ResidentTag)


@task()
def preview_ledger(job_id: int) -> str:
    """The dry run of an uploaded ledger (``ledger_upload``); returns the job's status."""
    from .ledger.services import run_preview

    return run_preview(job_id).status


@task()
def commit_ledger(job_id: int, actor_id: int, sha256: str) -> str:
    """The import of a previewed ledger (``ledger_commit_start``); returns the job's
    status (still "previewed", with ``failure`` set, when it was refused or failed)."""
    from django.contrib.auth import get_user_model

    from .ledger.services import run_commit

    actor = get_user_model().objects.get(pk=actor_id)
    return run_commit(job_id, actor, sha256).status


@task()
def build_export(job_id: int) -> str:
    """Build the file of a ledger export (``export_jobs.export_start``); returns the
    failure ("" when the file was made)."""
    from .ledger.export_jobs import run_export

    return run_export(job_id).failure
