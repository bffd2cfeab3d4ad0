"""The two transition tables, pair by pair (no database)."""

from __future__ import annotations

import itertools

import pytest

from linli.core.errors import IllegalTransition
from linli.outreach import permissions as p
from linli.outreach.actions import DISTRIBUTION_ACTIONS, DRILL_ACTIONS
from linli.outreach.models import DistributionStatus as D
from linli.outreach.models import DrillStatus as S
from linli.outreach.workflow import DISTRIBUTION_FLOW, DRILL_FLOW

DISTRIBUTION_PAIRS = {("open", D.DRAFT): D.RUNNING, ("close", D.RUNNING): D.CLOSED}
DRILL_PAIRS = {("hold", S.PLANNED): S.HELD, ("cancel", S.PLANNED): S.CANCELLED}


@pytest.mark.parametrize(
    ("flow", "pairs"), [(DISTRIBUTION_FLOW, DISTRIBUTION_PAIRS), (DRILL_FLOW, DRILL_PAIRS)]
)
def test_every_action_from_every_status(flow, pairs):
    for t, status in itertools.product(flow, flow.statuses.values):
        expected = pairs.get((t.name, status))
        if expected is None:
            assert not flow.is_allowed(t.name, status)
            with pytest.raises(IllegalTransition) as exc:
                flow.next_status(t.name, status)
            assert exc.value.status == 409 and exc.value.code == "illegal_transition"
        else:
            assert flow.next_status(t.name, status) == expected


def test_terminal_statuses_and_permissions():
    assert DISTRIBUTION_FLOW.terminal == {D.CLOSED}
    assert DRILL_FLOW.terminal == {S.HELD, S.CANCELLED}
    assert {t.name: t.permission for t in DISTRIBUTION_FLOW} == {
        "open": p.MANAGE,
        "close": p.MANAGE,
    }
    assert {t.name: t.permission for t in DRILL_FLOW} == {"hold": p.HOLD, "cancel": p.MANAGE}


def test_each_transition_has_one_action():
    assert [a.slug for a in DISTRIBUTION_ACTIONS] == ["open", "close"]
    assert [a.slug for a in DRILL_ACTIONS] == ["hold", "cancel"]
