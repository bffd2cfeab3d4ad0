"""Capacity claims: exactly ``capacity`` winners, each person once, a waiting list that
moves up, and a clear refusal for everyone else. The races run real parallel
transactions on PostgreSQL (CI's second pass); the rules run everywhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from linli.core.claims import AlreadyClaimed, Capacity, Full, NotOpen
from linli.testing.models import Slot, SlotClaim
from linli.testing.races import all_at_once
from linli.testing.world import user

PLACES = Capacity(holder=Slot, claim=SlotClaim, holder_field="slot", person_field="person")
OPEN = Q(open=True)


def people(n: int, prefix: str = "p") -> list:
    return [user(f"{prefix}{i}") for i in range(n)]


def states(slot) -> list[str]:
    return list(SlotClaim.objects.filter(slot=slot).order_by("pk").values_list("state", flat=True))


@pytest.mark.django_db
def test_first_come_first_served_up_to_capacity():
    slot = Slot.objects.create(capacity=2)
    a, b, c = people(3)
    for p in (a, b):
        PLACES.take(holder_id=slot.pk, person_id=p.pk, open=OPEN)
    with pytest.raises(Full) as exc:
        PLACES.take(holder_id=slot.pk, person_id=c.pk, open=OPEN)
    assert exc.value.status == 409 and exc.value.code == "full"
    assert Slot.objects.get(pk=slot.pk).taken == 2 and states(slot) == ["held", "held"]


@pytest.mark.django_db
def test_the_same_person_twice_is_one_claim_and_nothing_changes():
    slot = Slot.objects.create(capacity=3)
    (a,) = people(1)
    PLACES.take(holder_id=slot.pk, person_id=a.pk)
    with pytest.raises(AlreadyClaimed):
        PLACES.take(holder_id=slot.pk, person_id=a.pk)
    assert Slot.objects.get(pk=slot.pk).taken == 1 and SlotClaim.objects.count() == 1


@pytest.mark.django_db
def test_a_closed_holder_takes_no_claims_and_says_so():
    slot = Slot.objects.create(capacity=3, open=False)
    (a,) = people(1)
    with pytest.raises(NotOpen):
        PLACES.take(holder_id=slot.pk, person_id=a.pk, open=OPEN)
    with pytest.raises(Full) as exc:
        PLACES.take(
            holder_id=Slot.objects.create(capacity=0).pk,
            person_id=a.pk,
            messages={"full": "已被抢完"},
        )
    assert exc.value.message == "已被抢完"
    assert SlotClaim.objects.count() == 0


@pytest.mark.django_db
def test_waiting_list_moves_up_in_order_when_a_place_is_released():
    slot = Slot.objects.create(capacity=1)
    a, b, c = people(3)
    held = PLACES.take(holder_id=slot.pk, person_id=a.pk, waitlist=True)
    PLACES.take(holder_id=slot.pk, person_id=b.pk, waitlist=True)
    PLACES.take(holder_id=slot.pk, person_id=c.pk, waitlist=True)
    assert states(slot) == ["held", "waiting", "waiting"]
    promoted = PLACES.release(held)
    assert promoted.person_id == b.pk and states(slot) == ["released", "held", "waiting"]
    assert Slot.objects.get(pk=slot.pk).taken == 1
    # Releasing twice changes nothing; a waiting claim leaves without moving anyone.
    assert PLACES.release(held) is None and states(slot) == ["released", "held", "waiting"]
    assert PLACES.release(SlotClaim.objects.get(person=c)) is None
    assert PLACES.release(promoted) is None  # nobody waits: the place is given back
    assert Slot.objects.get(pk=slot.pk).taken == 0
    # A released person may claim again.
    PLACES.take(holder_id=slot.pk, person_id=a.pk)
    assert Slot.objects.get(pk=slot.pk).taken == 1


# --- races on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.race
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_200_claimants_at_once_on_4_places_leave_exactly_4():
    slot = Slot.objects.create(capacity=4)
    crowd = people(200)
    results = all_at_once(
        [lambda p=p: PLACES.take(holder_id=slot.pk, person_id=p.pk, open=OPEN) for p in crowd]
    )
    winners = [r for r in results if isinstance(r, SlotClaim)]
    refused = [r for r in results if isinstance(r, Full)]
    assert len(winners) == 4 and len(refused) == 196
    assert Slot.objects.get(pk=slot.pk).taken == 4
    assert SlotClaim.objects.filter(slot=slot, state="held").count() == 4


@pytest.mark.postgres
@pytest.mark.race
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_one_person_claiming_many_times_at_once_holds_one_place():
    slot = Slot.objects.create(capacity=4)
    (a,) = people(1)
    results = all_at_once(
        [lambda: PLACES.take(holder_id=slot.pk, person_id=a.pk) for _ in range(20)], workers=20
    )
    assert sum(isinstance(r, SlotClaim) for r in results) == 1
    assert all(isinstance(r, (SlotClaim, AlreadyClaimed)) for r in results)
    assert Slot.objects.get(pk=slot.pk).taken == 1
