"""Safety inspections under real contention on PostgreSQL (``linli.testing.races``):
notices issued at the same moment never share or skip a number, one hazard cannot go on
two notices, and an inspection sent twice at once (a phone resending after a lost signal)
is recorded once. SQLite serialises whole transactions: skipped there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from linli.core.errors import InvalidInput
from linli.safety import services
from linli.safety.models import Hazard, Inspection, Notice
from linli.testing.races import all_at_once

from .conftest import DAY, T0, answers

pytestmark = [
    pytest.mark.race,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.fixture(autouse=True)
def _no_pdfs(settings):
    """The notices' PDFs are the worker's, not what these races are about: kept, not made."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _hazards(w, n: int) -> list[Hazard]:
    site = services.unit_site(w.rental)
    return [
        services.hazard_report(actor=w.grid_a1_worker, site=site, description=f"隐患{i}", at=T0)
        for i in range(n)
    ]


def test_twenty_notices_at_once_take_twenty_numbers_in_a_row(safe):
    w = safe
    hazards = _hazards(w, 20)
    deadline = dt.date.today() + dt.timedelta(days=7)
    results = all_at_once(
        [
            lambda h=h: services.notice_issue(
                actor=w.grid_a1_worker, hazards=[h], responsible="王老板", deadline=deadline
            )
            for h in hazards
        ],
        workers=20,
    )
    assert all(isinstance(r, Notice) for r in results), results
    assert sorted(Notice.objects.values_list("serial", flat=True)) == list(range(1, 21))


def test_one_hazard_on_two_notices_at_once_goes_on_one(safe):
    w = safe
    (hazard,) = _hazards(w, 1)
    deadline = dt.date.today() + dt.timedelta(days=7)
    results = all_at_once(
        [
            lambda: services.notice_issue(
                actor=w.grid_a1_worker, hazards=[hazard], responsible="王老板", deadline=deadline
            )
            for _ in range(6)
        ],
        workers=6,
    )
    assert sum(isinstance(r, Notice) for r in results) == 1
    assert all(isinstance(r, (Notice, InvalidInput)) for r in results), results
    assert Notice.objects.count() == 1
    assert Notice.objects.get().serial == 1  # the refused ones gave their numbers back


def test_the_same_inspection_sent_five_times_at_once_is_recorded_once(safe):
    w = safe
    site = services.unit_site(w.rental)

    def send():
        return services.inspection_record(
            actor=w.grid_a1_worker,
            site=site,
            campaign=w.campaign,
            at=T0 + DAY,
            items=answers(w.items, hazards={"通道堆物"}),
            idempotency_key="phone-queue-1",
        )

    results = all_at_once([send for _ in range(5)], workers=5)
    assert all(isinstance(r, Inspection) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Inspection.objects.count() == 1 and Hazard.objects.count() == 1
