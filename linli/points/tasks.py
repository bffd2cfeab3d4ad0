"""Settlement runs in the worker: a quarter of a street's ledger is summed in one
transaction, so the page only asks for it and shows it when done."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from linli.core.errors import LinliError

from .models import Period


@task()
def settle(period_id: int, actor_id: int) -> dict:
    from .services import period_settle

    period = Period.objects.get(pk=period_id)
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        period_settle(actor=actor, period=period)
    except LinliError as exc:  # recorded on the period for the page; nothing was settled
        Period.objects.filter(pk=period_id).update(
            settle_asked_at=None, settle_error=exc.message[:300]
        )
        return {"settled": False}
    return {"settled": True}
