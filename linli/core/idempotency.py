"""Creates that happen once: a double-tapped submit or a retried API call files one row.

Inside the creating transaction a service calls ``claim_key``. The first request with a
(user, scope, key) inserts the key and goes on to create; ``once.record(row)`` notes what
it made. A repeat finds the key and gets ``once.earlier``, the row made the first time.
Two at once: the unique key makes the second wait for the first to commit, then it sees
the first's row. If the create fails, its key rolls back with it and a retry may succeed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict, InvalidInput
from .models import IdempotencyKey

MAX_KEY = 100


@dataclass
class Once:
    row: IdempotencyKey | None
    earlier: models.Model | None = None

    def record(self, obj: models.Model) -> None:
        if self.row is not None:
            self.row.result_type = obj._meta.label_lower
            self.row.result_id = obj.pk
            self.row.save(update_fields=["result_type", "result_id"])


def claim_key(*, actor, scope: str, key: str, model: type[models.Model]) -> Once:
    """Claim ``key`` for a create of ``model`` (call inside the create's transaction)."""
    key = (key or "").strip()
    if not key or not getattr(actor, "is_authenticated", False):
        return Once(None)
    if len(key) > MAX_KEY:
        raise InvalidInput(
            _("The idempotency key is too long (at most %(limit)d characters).")
            % {"limit": MAX_KEY},
            field="idempotency_key",
        )
    found = IdempotencyKey.objects.filter(user=actor, scope=scope, key=key).first()
    if found is None:
        try:
            with transaction.atomic():
                return Once(IdempotencyKey.objects.create(user=actor, scope=scope, key=key))
        except IntegrityError:  # the same key committed meanwhile: answer its row
            found = IdempotencyKey.objects.get(user=actor, scope=scope, key=key)
    earlier = model._default_manager.filter(pk=found.result_id).first()
    if earlier is None or found.result_type != model._meta.label_lower:
        raise Conflict(_("This was already submitted."), code="duplicate_submit")
    return Once(None, earlier)


def prune_keys(now: dt.datetime | None = None) -> dict[str, int]:
    """Forget keys older than ``LINLI_IDEMPOTENCY_DAYS`` (2): a repeat that late is new."""
    days = int(getattr(settings, "LINLI_IDEMPOTENCY_DAYS", 2))
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return {"deleted": deleted}
