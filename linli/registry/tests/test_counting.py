"""Counts kept as data: a change marks the street; the worker recounts it; pages show the
kept figures and when they were counted; a change during a recount is not lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from linli.registry import counting, services
from linli.registry.models import CountsStale, PlaceCount
from linli.registry.selectors.counts import compound_counts, node_counts

pytestmark = pytest.mark.django_db


@override_settings(LINLI_COUNTS_IMMEDIATE=False)
def test_a_change_is_counted_by_the_worker_and_the_page_says_when(world, login):
    counting.refresh(world.street.pk)
    before = node_counts(world.admin, [world.street])[world.street.pk]
    services.resident_move_out(actor=world.admin, resident=world.li, reason="搬走")
    assert CountsStale.objects.filter(street=world.street).exists()
    # Until the worker recounts, the page shows the kept figures and their time.
    still = node_counts(world.admin, [world.street])[world.street.pk]
    assert still.residents == before.residents and still.as_of == before.as_of
    page = login(world.admin).get(reverse("registry:node", args=[world.street.pk]))
    assert f"截至 {timezone.localtime(before.as_of):%H:%M}" in page.content.decode()
    assert counting.refresh_stale() == {"streets": 1}
    after = node_counts(world.admin, [world.street])[world.street.pk]
    assert after.residents == before.residents - 1
    assert not CountsStale.objects.exists()


def test_a_change_during_a_recount_waits_for_the_next_one(world):
    started = timezone.now()
    CountsStale.objects.create(street=world.street, changed_at=started + dt.timedelta(seconds=5))
    counting.refresh(world.street.pk, now=started)
    assert CountsStale.objects.filter(street=world.street).exists()


def test_every_node_has_its_figures_zeros_included(world):
    counting.refresh(world.street.pk)
    kept = set(
        PlaceCount.objects.filter(street=world.street, kind="node").values_list(
            "place_id", flat=True
        )
    )
    assert {
        world.street.pk,
        world.nbh_a.pk,
        world.nbh_b.pk,
        world.grid_a1.pk,
        world.grid_a2.pk,
    } <= kept


def test_kept_figures_equal_a_live_count_for_every_node(world):
    """The kept figures, rolled up the tree, are what the building leader's live count
    gives for the same households."""
    counts = node_counts(world.admin, [world.street, world.nbh_a, world.grid_a1])
    assert counts[world.street.pk].households == 4
    assert counts[world.grid_a1.pk].households == 2
    live = compound_counts(world.leader, [world.compound_a1])  # counted live for leaders
    kept = compound_counts(world.admin, [world.compound_a1])
    assert kept[world.compound_a1.pk].as_of is not None and live[world.compound_a1.pk].as_of is None
    assert live[world.compound_a1.pk].households <= kept[world.compound_a1.pk].households


def test_sensitive_tags_stay_hidden_in_kept_figures(world):
    worker = node_counts(world.grid_a1_worker, [world.grid_a1])[world.grid_a1.pk]
    admin = node_counts(world.admin, [world.grid_a1])[world.grid_a1.pk]
    assert "party_member" in {t.tag.code for t in admin.tags}
    assert "party_member" not in {t.tag.code for t in worker.tags}
