"""The campaign, hazard and notice tables, pair by pair (no database), and who holds
each action."""

import pytest

from linli.core.errors import IllegalTransition
from linli.grids.models import Role
from linli.grids.permissions import reach_of
from linli.safety import permissions as p
from linli.safety.models import CampaignStatus as C
from linli.safety.models import HazardStatus as H
from linli.safety.models import NoticeStatus as N
from linli.safety.workflow import CAMPAIGN_FLOW, HAZARD_FLOW, NOTICE_FLOW

# Written out independently of workflow.py: action → {source: target}.
EXPECTED = {
    CAMPAIGN_FLOW: {
        "start": {C.DRAFT: C.RUNNING},
        "close": {C.RUNNING: C.CLOSED},
        "cancel": {C.DRAFT: C.CANCELLED},
    },
    HAZARD_FLOW: {
        "fix": {H.OPEN: H.FIXED},
        "dismiss": {H.OPEN: H.DISMISSED},
        "notify": {H.OPEN: H.NOTIFIED},
        "cleared": {H.NOTIFIED: H.FIXED, H.ESCALATED: H.FIXED},
        "escalate": {H.NOTIFIED: H.ESCALATED},
    },
    NOTICE_FLOW: {
        "acknowledge": {N.ISSUED: N.ACKNOWLEDGED},
        "rectified": {
            s: N.RECTIFIED for s in (N.ISSUED, N.ACKNOWLEDGED, N.ESCALATED, N.SUSPENSION)
        },
        "failed": {N.ISSUED: N.ESCALATED, N.ACKNOWLEDGED: N.ESCALATED},
        "not_yet": {N.ESCALATED: N.ESCALATED, N.SUSPENSION: N.SUSPENSION},
        "overdue": {N.ISSUED: N.ESCALATED, N.ACKNOWLEDGED: N.ESCALATED},
        "suspend": {N.ESCALATED: N.SUSPENSION},
    },
}
PAIRS = [
    (flow, action, status)
    for flow, table in EXPECTED.items()
    for action in table
    for status in flow.statuses.values
]


def test_tables_have_exactly_the_expected_actions():
    for flow, table in EXPECTED.items():
        assert set(flow.transitions) == set(table)


@pytest.mark.parametrize(("flow", "action", "status"), PAIRS)
def test_every_action_from_every_status(flow, action, status):
    allowed = EXPECTED[flow][action]
    if status in allowed:
        assert flow.next_status(action, status) == allowed[status]
    else:
        with pytest.raises(IllegalTransition) as exc:
            flow.next_status(action, status)
        assert exc.value.status == 409


def test_terminal_states():
    assert CAMPAIGN_FLOW.terminal == {C.CLOSED, C.CANCELLED}
    assert HAZARD_FLOW.terminal == {H.FIXED, H.DISMISSED}
    assert NOTICE_FLOW.terminal == {N.RECTIFIED}


WHO = {
    p.CAMPAIGNS: {Role.STREET_ADMIN, Role.CADRE},
    p.INSPECT: {Role.STREET_ADMIN, Role.CADRE, Role.GRID_WORKER},
    p.NOTICES: {Role.STREET_ADMIN, Role.CADRE, Role.GRID_WORKER},
    p.VIEW: {Role.STREET_ADMIN, Role.CADRE, Role.GRID_WORKER, Role.UNIT_STAFF},
    p.ACKNOWLEDGE: {Role.STREET_ADMIN, Role.CADRE, Role.GRID_WORKER, Role.UNIT_STAFF},
    p.REPORT: {
        Role.STREET_ADMIN,
        Role.CADRE,
        Role.GRID_WORKER,
        Role.VOLUNTEER,
        Role.BUILDING_LEADER,
    },
}


@pytest.mark.parametrize("action", list(WHO))
def test_who_holds_each_action(action):
    assert {r for r in Role.values if reach_of(r, action) is not None} == WHO[action]
