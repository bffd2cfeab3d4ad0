"""Race-free human-readable numbers per street (see ``NumberSequence``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import NumberSequence


def next_number(street_id: int, key: str) -> int:
    """The next value of the street's ``key`` counter (1, 2, 3 ...), gap-free while committed.

    Must run inside the caller's transaction: the row stays locked by the UPDATE
    until that transaction ends, so two intakes never get the same number and a
    rolled-back intake releases its number.
    """
    if not NumberSequence.objects.filter(street_id=street_id, key=key).exists():
        try:
            with transaction.atomic():
                NumberSequence.objects.create(street_id=street_id, key=key, value=0)
        except IntegrityError:
            pass  # created concurrently by another intake: fine, we increment it below
    NumberSequence.objects.filter(street_id=street_id, key=key).update(value=F("value") + 1)
    return NumberSequence.objects.get(street_id=street_id, key=key).value
