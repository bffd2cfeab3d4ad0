"""The transition table, pair by pair (no database)."""

import pytest
from django.utils import translation

from linli.core.errors import IllegalTransition
from linli.grids.models import Role
from linli.grids.permissions import role_actions
from linli.workorders import permissions as p
from linli.workorders import workflow
from linli.workorders.workflow import TRANSITIONS, Status

S = Status
# The expected table, written out independently of workflow.py: action → {source: target}.
EXPECTED = {
    "verify": {S.ACCEPTED: S.VERIFIED},
    "reject": {S.ACCEPTED: S.REJECTED},
    "merge": {S.ACCEPTED: S.MERGED, S.VERIFIED: S.MERGED},
    "withdraw": {S.ACCEPTED: S.WITHDRAWN, S.VERIFIED: S.WITHDRAWN, S.RETURNED: S.WITHDRAWN},
    "dispatch": {S.VERIFIED: S.DISPATCHED, S.RETURNED: S.DISPATCHED},
    "return": {S.DISPATCHED: S.RETURNED, S.IN_PROGRESS: S.RETURNED},
    "start": {S.DISPATCHED: S.IN_PROGRESS},
    "update": {S.IN_PROGRESS: S.IN_PROGRESS},
    "report_back": {S.IN_PROGRESS: S.REPORTED_DONE},
    "check": {S.REPORTED_DONE: S.CHECKED},
    "rework": {S.REPORTED_DONE: S.IN_PROGRESS},
    "follow_up": {S.CHECKED: S.FOLLOWED_UP},
    "reopen": {S.CHECKED: S.IN_PROGRESS},
    "close": {S.FOLLOWED_UP: S.CLOSED},
    "escalate": {
        s: s
        for s in (S.ACCEPTED, S.VERIFIED, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS, S.REPORTED_DONE)
    },
    "extend": {
        s: s
        for s in (S.ACCEPTED, S.VERIFIED, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS, S.REPORTED_DONE)
    },
}

PAIRS = [(action, status) for action in EXPECTED for status in Status.values]


def test_table_has_exactly_the_expected_actions():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize(("action", "status"), PAIRS)
def test_every_action_from_every_status(action, status):
    allowed = EXPECTED[action]
    if status in allowed:
        assert workflow.is_allowed(action, status)
        assert workflow.next_status(action, status) == allowed[status]
    else:
        assert not workflow.is_allowed(action, status)
        with pytest.raises(IllegalTransition) as exc:
            workflow.next_status(action, status)
        assert exc.value.status == 409


def test_terminal_states_allow_nothing():
    for status in workflow.TERMINAL:
        assert workflow.available(status) == []


def test_every_open_state_has_a_way_forward():
    for status in workflow.OPEN:
        assert any(t.target not in (None, status) for t in workflow.available(status)), status


def test_illegal_transition_message_names_action_and_status():
    with translation.override("en"), pytest.raises(IllegalTransition) as exc:
        workflow.next_status("close", S.ACCEPTED)
    assert exc.value.message == "Cannot close a work order that is accepted."


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        workflow.next_status("teleport", S.ACCEPTED)


def test_each_transition_names_an_action_some_role_holds():
    declared = set().union(*(role_actions(r) for r in Role.values))
    for t in TRANSITIONS.values():
        assert t.permission.startswith("workorders.") and t.permission in declared
    assert TRANSITIONS["start"].permission == p.HANDLE
    assert TRANSITIONS["update"].permission == p.PROGRESS
    # The resident who reported it may withdraw it and give the follow-up; nothing else.
    resident = role_actions(Role.RESIDENT)
    assert {t.name for t in TRANSITIONS.values() if t.permission in resident} == {
        "withdraw",
        "follow_up",
        "reopen",
    }


def test_every_transition_confirms_what_was_done():
    for t in TRANSITIONS.values():
        assert t.done, t.name
    assert TRANSITIONS["reopen"].done_to_owner != TRANSITIONS["follow_up"].done_to_owner
