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
