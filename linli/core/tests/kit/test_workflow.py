"""The workflow kit on the smallest subject there is (``linli.testing.models.Case``): the
table, the one-row recipe, the bulk form for sweeps, and the stamp."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from linli.core.attachments import clean_photos
from linli.core.errors import IllegalTransition, InvalidInput
from linli.core.workflow import Machine, Workflow, set_now, stamp, step
from linli.grids.permissions import authorize
from linli.testing.models import CASE_FLOW, MOVE, Case, CaseEvent, CasePhoto, CaseStatus
from linli.workorders.tests.conftest import photo

pytestmark = pytest.mark.django_db

MACHINE = Machine(
    workflow=CASE_FLOW,
    model=Case,
    timeline=CaseEvent,
    subject_field="case",
    photos=CasePhoto,
    authorize=authorize,
    copied=("grid_id",),
)
T0 = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))


@pytest.fixture
def case(world):
    return Case.objects.create(street=world.street, grid=world.grid_a1, owner=world.resident_user)


def snapshot(case):
    c = Case.objects.get(pk=case.pk)
    return c.status, c.started_at, c.updated_at, c.events.count(), c.photos.count()


# --- the table -------------------------------------------------------------------------------


def test_a_table_naming_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        Workflow(
            statuses=CaseStatus, subject="case", transitions=[step("x", {"nope"}, None, MOVE, "x")]
        )


def test_terminal_states_are_those_no_transition_leaves():
    assert CASE_FLOW.terminal == {CaseStatus.DONE, CaseStatus.DROPPED}


def test_next_status_and_the_reason_when_not_allowed():
    assert CASE_FLOW.next_status("start", CaseStatus.NEW) == CaseStatus.WORKING
    assert CASE_FLOW.next_status("note", CaseStatus.WORKING) == CaseStatus.WORKING
    with pytest.raises(IllegalTransition) as exc:
        CASE_FLOW.next_status("finish", CaseStatus.NEW)
    assert exc.value.status == 409 and "finish" in exc.value.message and "case" in exc.value.message
    with pytest.raises(ValueError):
        CASE_FLOW.next_status("teleport", CaseStatus.NEW)


# --- one row, by an actor --------------------------------------------------------------------


def test_transition_saves_appends_the_event_and_stores_photos(world, case):
    _row, event = MACHINE.transition(
        actor=world.grid_a1_worker,
        row=case,
        name="start",
        at=T0,
        note="到现场",
        data={"k": 1},
        photos=clean_photos([photo()]),
        apply=set_now("started_at"),
    )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == CaseStatus.WORKING and fresh.started_at == T0
    assert (event.verb, event.from_status, event.to_status) == ("start", "new", "working")
    assert (event.actor, event.actor_role, event.note, event.data) == (
        world.grid_a1_worker, "grid_worker", "到现场", {"k": 1},
    )  # fmt: skip
    assert event.grid_id == case.grid_id and event.street_id == case.street_id and event.at == T0
    assert list(CasePhoto.objects.values_list("event_id", flat=True)) == [event.pk]


def test_the_deepest_grant_names_the_role_and_owners_act_as_owners(world, case):
    _row, event = MACHINE.transition(actor=world.cadre, row=case, name="start")
    assert event.actor_role == "cadre"
    _row, event = MACHINE.transition(actor=world.resident_user, row=case, name="note")
    assert event.actor_role == "resident"


@pytest.mark.parametrize(
    "who", ["grid_b1_worker", "property", "volunteer", "nobody", "other_admin"]
)
def test_outside_the_scope_is_not_found_and_nothing_changes(world, case, who):
    before = snapshot(case)
    with pytest.raises(Http404):
        MACHINE.transition(actor=getattr(world, who), row=case, name="start")
    assert snapshot(case) == before


def test_a_transition_the_status_does_not_allow_changes_nothing(world, case):
    before = snapshot(case)
    with pytest.raises(IllegalTransition):
        MACHINE.transition(actor=world.grid_a1_worker, row=case, name="finish")
    assert snapshot(case) == before


def test_an_apply_that_refuses_leaves_everything_as_it_was(world, case):
    def refuse(row, now):
        row.started_at = now
        raise InvalidInput("不行", field="x")

    before = snapshot(case)
    with pytest.raises(InvalidInput):
        MACHINE.transition(actor=world.grid_a1_worker, row=case, name="start", apply=refuse)
    assert snapshot(case) == before


def test_allowed_lists_what_this_actor_may_take_now(world, case):
    names = lambda user: [t.name for t in MACHINE.allowed(user, Case.objects.get(pk=case.pk))]  # noqa: E731
    assert names(world.grid_a1_worker) == ["start", "drop"]
    assert names(world.resident_user) == ["start"]  # "drop" needs kit.open, node staff only
    assert names(world.grid_b1_worker) == []


def test_update_fields_leave_columns_others_changed_alone(world, case):
    def meanwhile(row, now):
        # A write to another column after the row was read (here: in the same transaction,
        # as a trigger or another service would): a whole-row save would undo it.
        Case.objects.filter(pk=row.pk).update(level=7)
        return []

    MACHINE.transition(actor=world.grid_a1_worker, row=case, name="start", apply=meanwhile)
    assert Case.objects.get(pk=case.pk).level == 7


# --- many rows, by the system ----------------------------------------------------------------


def test_bulk_transition_takes_each_row_once_with_its_event(world):
    rows = [Case.objects.create(street=world.street, grid=world.grid_a1) for _ in range(3)]
    Case.objects.filter(pk=rows[2].pk).update(status=CaseStatus.WORKING)
    taken = MACHINE.bulk_transition(
        Case.objects.all(), name="drop", at=T0, marker="flagged_at", values={"level": 2}
    )
    assert sorted(r["pk"] for r in taken) == [r.pk for r in rows]
    assert set(Case.objects.values_list("status", "level", "flagged_at")) == {
        (CaseStatus.DROPPED, 2, T0)
    }
    events = CaseEvent.objects.order_by("case_id")
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
        ("new", "dropped", None), ("new", "dropped", None), ("working", "dropped", None),
    ]  # fmt: skip
    assert all(e.grid_id == world.grid_a1.pk and e.at == T0 for e in events)
    # A second run (or one running at the same time) finds nothing left to take.
    assert (
        MACHINE.bulk_transition(Case.objects.all(), name="drop", at=T0, marker="flagged_at") == []
    )
    assert CaseEvent.objects.count() == 3


def test_bulk_transition_skips_rows_in_a_status_it_does_not_allow(world):
    done = Case.objects.create(street=world.street, grid=world.grid_a1, status=CaseStatus.DONE)
    assert (
        MACHINE.bulk_transition(Case.objects.all(), name="drop", at=T0, marker="flagged_at") == []
    )
    assert Case.objects.get(pk=done.pk).flagged_at is None


def test_stamp_answers_exactly_the_rows_it_stamped(world):
    a, b = (Case.objects.create(street=world.street, grid=world.grid_a1) for _ in range(2))
    Case.objects.filter(pk=a.pk).update(flagged_at=T0 - dt.timedelta(days=1))
    rows = stamp(Case.objects.all(), marker="flagged_at", at=T0, read=("pk", "grid_id"))
    assert rows == [{"pk": b.pk, "grid_id": world.grid_a1.pk}]
    assert stamp(Case.objects.all(), marker="flagged_at", at=T0) == []
