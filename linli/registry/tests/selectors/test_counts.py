"""Counts per node and per compound, against values worked out by hand from the world.

Street S: hh_a1 (A1: 周美华 74, 王建国 76, party member → 纯老户), hh_a1b (A1: two
migrants, tenants → 租户, 外来人口 ×2), hh_a2 (A2: 刘运京 46), hh_b1 (B1: 赵嫦娥 71
alone, disabled → 纯老户, 独居老人, 残疾).
"""

import pytest

from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind
from linli.grids.services import node_add
from linli.registry import counting
from linli.registry.models import Compound
from linli.registry.selectors.counts import compound_counts, node_counts
from linli.testing import world as w

pytestmark = pytest.mark.django_db


def _by_code(counts):
    return {t.tag.code: (t.count, round(t.share, 4)) for t in counts.tags}


def test_street_counts_for_admin(world):
    nodes = [world.street, world.nbh_a, world.nbh_b, world.grid_a1, world.grid_a2, world.grid_b1]
    counts = node_counts(world.admin, nodes)
    street = counts[world.street.pk]
    assert (street.households, street.residents) == (4, 6)
    tags = _by_code(street)
    assert tags["elderly_only"] == (2, 0.5)  # of 4 households
    assert tags["tenant"] == (1, 0.25)
    assert tags["migrant"] == (2, round(2 / 6, 4))  # of 6 residents
    assert tags["lives_alone"] == (1, round(1 / 6, 4))
    assert tags["disabled"] == (1, round(1 / 6, 4))
    assert tags["party_member"] == (1, round(1 / 6, 4))
    assert tags["hardship"] == (0, 0.0)
    a = counts[world.nbh_a.pk]
    assert (a.households, a.residents) == (3, 5)
    a1 = counts[world.grid_a1.pk]
    assert (a1.households, a1.residents) == (2, 4)
    assert _by_code(a1)["elderly_only"] == (1, 0.5)
    assert _by_code(a1)["migrant"] == (2, 0.5)
    assert _by_code(a1)["party_member"] == (1, 0.25)
    b1 = counts[world.grid_b1.pk]
    assert (b1.households, b1.residents) == (1, 1)
    assert _by_code(b1)["elderly_only"] == (1, 1.0)
    assert counts[world.grid_a2.pk].households == 1


def test_sensitive_tags_only_with_permission(world):
    a1 = node_counts(world.grid_a1_worker, [world.grid_a1])[world.grid_a1.pk]
    codes = _by_code(a1)
    assert "party_member" not in codes  # grid workers may not see party membership
    assert "disabled" in codes  # but may see health tags
    assert (a1.households, a1.residents) == (2, 4)


def test_moved_out_residents_are_not_counted(world):
    from linli.registry.services import resident_move_out

    resident_move_out(actor=world.admin, resident=world.li, reason="搬离")
    a1 = node_counts(world.admin, [world.grid_a1])[world.grid_a1.pk]
    assert (a1.households, a1.residents) == (2, 3)
    assert _by_code(a1)["migrant"] == (1, round(1 / 3, 4))


def test_counts_stay_inside_the_scope_and_street(world):
    # The other street's admin counts only street T.
    t = node_counts(world.other_admin, [world.street_t])[world.street_t.pk]
    assert (t.households, t.residents) == (1, 1)
    # Property staff see places but never people: no numbers at all.
    assert node_counts(world.property, [world.grid_a1]) is None
    assert compound_counts(world.property, [world.compound_a1]) is None


def test_compound_counts(world):
    counts = compound_counts(world.cadre, [world.compound_a1, world.compound_a2])
    yq = counts[world.compound_a1.pk]
    assert (yq.households, yq.residents) == (2, 4)
    assert _by_code(yq)["tenant"] == (1, 0.5)
    assert counts[world.compound_a2.pk].households == 1
    empty = Compound.objects.create(street=world.street, grid=world.grid_a1, name="空小区")
    assert compound_counts(world.cadre, [empty])[empty.pk].households == 0


def test_tree_counts_take_a_constant_number_of_queries(world, django_assert_num_queries):
    """Kept counts: whether the street was counted, its places' rows, the visible tags."""
    perms.grants(world.admin)  # loaded once per request in real use
    nodes = list(GridNode.objects.filter(path__startswith=world.street.path))
    node_counts(world.admin, nodes)  # the first read counts the street
    with django_assert_num_queries(3):
        node_counts(world.admin, nodes)
    # More grids and households: still three queries.
    grid = node_add(
        actor=None, parent=world.nbh_b, kind=NodeKind.GRID, code="310109011002009", name="新网格"
    )
    compound = Compound.objects.create(street=world.street, grid=grid, name="新小区")
    for room in ("101", "102", "201"):
        hh = w.household(world.street, grid, compound, "9", "1", room)
        w.resident(hh, "新居民", f"31010919700101{room}", f"1370000{room}0")
    counting.mark_stale(world.street.pk)  # as the services and the import do
    nodes = list(GridNode.objects.filter(path__startswith=world.street.path))
    with django_assert_num_queries(3):
        counts = node_counts(world.admin, nodes)
    assert counts[world.street.pk].households == 7
    assert counts[world.nbh_b.pk].households == 4
    assert counts[grid.pk].residents == 3


def test_compound_counts_constant_queries(world, django_assert_num_queries):
    perms.grants(world.admin)
    compounds = [world.compound_a1, world.compound_a2, world.compound_b1]
    compound_counts(world.admin, compounds)
    with django_assert_num_queries(3):
        compound_counts(world.admin, compounds)
