"""Writes to points: accounts, the standard, awards and corrections, settlement, expiry,
and the store (stock, redemptions, suggestions).

Other modules call ``earn`` when a service is confirmed (volunteering) or an attendance is
recorded (activities); points calls none of them. Every entry names its ``source``, unique
per street, so the same confirmation sent twice credits once. Balances are never stored
in a column: they are the last statement plus the entries after it, read under a lock on
the account row whenever points are spent, so two redemptions at once cannot overdraw.
Lock order, everywhere: the account, then the item (stock is a conditional UPDATE).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.audit import record_change
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import claim_key
from linli.core.text import clean_text
from linli.core.workflow import Machine, Workflow, set_now, step
from linli.grids import permissions as perms
from linli.grids.permissions import authorize

from . import permissions as p
from .models import (
    LIVE_REDEMPTIONS,
    EarnKind,
    EntryKind,
    Period,
    PointEntry,
    PointRule,
    PointsAccount,
    Redemption,
    RedemptionState,
    Statement,
    StockIn,
    StockSource,
    StoreItem,
    Suggestion,
    SuggestionVote,
)
from .selectors import balance

MAX_RULE_POINTS = 10_000
MAX_CORRECTION = 100_000


# --- accounts ----------------------------------------------------------------------------------


def account_for(*, street_id: int, resident=None, user=None) -> PointsAccount:
    """The person's account in the street, opened on first use. A resident who logs in has
    one account, found by either side (and named by both from then on)."""
    if resident is None and user is None:
        raise ValueError("an account needs a resident or a user")
    if user is None and resident is not None and resident.user_id:
        user = resident.user
    found = None
    if resident is not None:
        found = PointsAccount.objects.filter(street_id=street_id, resident=resident).first()
    if found is None and user is not None:
        found = PointsAccount.objects.filter(street_id=street_id, user=user).first()
    if found is not None:
        changed = []
        if resident is not None and found.resident_id is None:
            found.resident = resident
            changed.append("resident")
        if user is not None and found.user_id is None:
            found.user = user
            changed.append("user")
        if changed:
            found.save(update_fields=changed)
        return found
    name = (
        resident.name if resident is not None else (getattr(user, "display_name", "") or str(user))
    )
    try:
        with transaction.atomic():
            return PointsAccount.objects.create(
                street_id=street_id, resident=resident, user=user, name=name[:60]
            )
    except IntegrityError:  # opened by another request at the same moment
        return account_for(street_id=street_id, resident=resident, user=user)


# --- the standard --------------------------------------------------------------------------------


def rule_publish(
    *,
    actor,
    street_id: int,
    kind: str,
    points: int,
    skill: str = "",
    cap_per_day: int | None = None,
    cap_per_month: int | None = None,
    expiry_days: int | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> PointRule:
    """A line of the street's points standard, in force from now. The line it replaces (same
    kind and skill) ends now; awards already made keep their points."""
    if kind not in EarnKind.values:
        raise InvalidInput(_("Choose what the points are earned for."), field="kind")
    for field, value, lo, hi in [
        ("points", points, 1, MAX_RULE_POINTS),
        ("cap_per_day", cap_per_day, 1, MAX_RULE_POINTS * 10),
        ("cap_per_month", cap_per_month, 1, MAX_RULE_POINTS * 100),
        ("expiry_days", expiry_days, 1, 3650),
    ]:
        if value is None and field != "points":
            continue
        if not isinstance(value, int) or not lo <= value <= hi:
            raise InvalidInput(
                _("Enter a whole number from %(lo)d to %(hi)d.") % {"lo": lo, "hi": hi},
                field=field,
            )
    if cap_per_day and cap_per_month and cap_per_day > cap_per_month:
        raise InvalidInput(_("The daily cap cannot be above the monthly cap."), field="cap_per_day")
    note = clean_text(note, field="note", label=_("the note"), limit=200)
    now = at or timezone.now()
    perms.require(actor, p.RULES)
    if street_id not in perms.streets(actor, p.RULES):
        raise Http404
    with transaction.atomic():
        PointRule.objects.select_for_update().filter(
            street_id=street_id, kind=kind, skill=skill, active_to__isnull=True
        ).update(active_to=now)
        rule = PointRule.objects.create(
            street_id=street_id,
            kind=kind,
            skill=skill,
            points=points,
            cap_per_day=cap_per_day,
            cap_per_month=cap_per_month,
            expiry_days=expiry_days,
            note=note,
            active_from=now,
            created_by=actor,
        )
        record_change(actor=actor, target=rule, verb="create", summary=_("Points rule published"),
                      changes={"kind": kind, "skill": skill, "points": points, "cap_per_day": cap_per_day,
                               "cap_per_month": cap_per_month, "expiry_days": expiry_days})  # fmt: skip
        return rule


def rule_in_force(street_id: int, kind: str, skill: str = "", at: dt.datetime | None = None):
    """The standard's line for ``kind`` (and ``skill``, else the any-skill line) at ``at``."""
    at = at or timezone.now()
    lines = PointRule.objects.filter(street_id=street_id, kind=kind, active_from__lte=at).exclude(
        active_to__lte=at
    )
    for wanted in [skill, ""] if skill else [""]:
        found = lines.filter(skill=wanted).order_by("-active_from").first()
        if found is not None:
            return found
    return None


# --- the ledger ----------------------------------------------------------------------------------


def _period_lock(street_id: int, at: dt.datetime) -> None:
    """Refuse an entry dated inside a settled period; an open period containing ``at`` is
    locked until the entry commits, so a settlement running now waits for it (and one
    that ran first makes it refuse)."""
    period = (
        Period.objects.select_for_update()
        .filter(street_id=street_id, starts_at__lte=at, ends_at__gt=at)
        .first()
    )
    if period is not None and period.settled_at is not None:
        raise Conflict(
            _("The period %(period)s is settled: nothing may be dated inside it now.")
            % {"period": period},
            code="period_settled",
        )


def _entry(
    *,
    account: PointsAccount,
    kind: str,
    points: int,
    source: str,
    at: dt.datetime,
    actor=None,
    reason: str = "",
    rule: PointRule | None = None,
    reverses: PointEntry | None = None,
) -> tuple[PointEntry, bool]:
    """Append one entry once per source: (the entry, whether it is new)."""
    earlier = PointEntry.objects.filter(street_id=account.street_id, source=source).first()
    if earlier is not None:
        return earlier, False
    _period_lock(account.street_id, at)
    expires = at + dt.timedelta(days=rule.expiry_days) if rule and rule.expiry_days else None
    try:
        with transaction.atomic():
            entry = PointEntry.objects.create(
                street_id=account.street_id,
                account=account,
                kind=kind,
                points=points,
                at=at,
                source=source[:120],
                reason=reason[:200],
                rule=rule,
                reverses=reverses,
                expires_at=expires,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # the same source committed meanwhile
        return PointEntry.objects.get(street_id=account.street_id, source=source), False
    return entry, True


def _capped(account: PointsAccount, rule: PointRule, points: int, at: dt.datetime) -> int:
    """``points`` cut down to what the rule's caps per day and per month still allow."""
    earned = PointEntry.objects.filter(
        account=account, kind=EntryKind.AWARD, rule__kind=rule.kind, reversed_by__isnull=True
    )
    local = timezone.localtime(at)
    for cap, start in [
        (rule.cap_per_day, local.replace(hour=0, minute=0, second=0, microsecond=0)),
        (rule.cap_per_month, local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)),
    ]:
        if cap:
            so_far = earned.filter(at__gte=start, at__lte=at).aggregate(n=Sum("points"))["n"] or 0
            points = min(points, max(cap - so_far, 0))
    return points


def earn(
    *,
    account: PointsAccount,
    kind: str,
    source: str,
    units: float = 1,
    skill: str = "",
    reason: str = "",
    at: dt.datetime | None = None,
    actor=None,
) -> PointEntry | None:
    """Award points for ``units`` of ``kind`` (hours for service hours, else 1) by the rule in
    force at ``at``, within its caps. Once per ``source``. None: no rule, or capped to 0."""
    at = at or timezone.now()
    with transaction.atomic():
        # Serialise one person's awards, so two at once see each other under the caps.
        PointsAccount.objects.select_for_update().filter(pk=account.pk).first()
        earlier = PointEntry.objects.filter(street_id=account.street_id, source=source).first()
        if earlier is not None:
            return earlier
        rule = rule_in_force(account.street_id, kind, skill, at)
        if rule is None:
            return None
        points = _capped(account, rule, round(rule.points * units), at)
        if points <= 0:
            return None
        entry, _new = _entry(
            account=account,
            kind=EntryKind.AWARD,
            points=points,
            source=source,
            at=at,
            actor=actor,
            reason=reason,
            rule=rule,
        )
        return entry


def entry_reverse(*, actor, entry: PointEntry, reason: str, at=None) -> PointEntry:
    """A correction: the entry's opposite, with the reason. An entry is reversed once; a
    reversal that would leave the balance below zero is refused."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=200)
    at = at or timezone.now()
    with transaction.atomic():
        account = _lock_account(actor, entry.account_id, p.CORRECT)
        entry = PointEntry.objects.get(pk=entry.pk)
        if entry.reverses_id or PointEntry.objects.filter(reverses=entry).exists():
            raise Conflict(_("This entry is already corrected."), code="already_corrected")
        if balance(account) - entry.points < 0:
            raise Conflict(_("Reversing this would leave the balance below zero."), code="overdraw")
        reversal, _new = _entry(
            account=account,
            kind=EntryKind.CORRECT,
            points=-entry.points,
            source=f"reverse:{entry.pk}",
            at=at,
            actor=actor,
            reason=reason,
            reverses=entry,
        )
        _record_correction(actor, reversal, reason)
        return reversal


def adjust(*, actor, account: PointsAccount, points: int, reason: str, at=None) -> PointEntry:
    """A correction of a given amount (e.g. points for a paper record), with the reason."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=200)
    if not isinstance(points, int) or points == 0 or abs(points) > MAX_CORRECTION:
        raise InvalidInput(
            _("Enter a number of points other than 0, at most %(n)d either way.")
            % {"n": MAX_CORRECTION},
            field="points",
        )
    at = at or timezone.now()
    with transaction.atomic():
        account = _lock_account(actor, account.pk, p.CORRECT)
        if balance(account) + points < 0:
            raise Conflict(_("The balance cannot go below zero."), code="overdraw")
        entry, _new = _entry(
            account=account,
            kind=EntryKind.CORRECT,
            points=points,
            source=f"adjust:{account.pk}:{at.isoformat()}:{secrets.token_hex(4)}",
            at=at,
            actor=actor,
            reason=reason,
        )
        _record_correction(actor, entry, reason)
        return entry


def _record_correction(actor, entry: PointEntry, reason: str) -> None:
    record_change(actor=actor, target=entry, verb="update", summary=_("Points corrected"),
                  changes={"account": entry.account_id, "points": entry.points, "reason": reason})  # fmt: skip


def _lock_account(actor, account_id: int, action: str) -> PointsAccount:
    """The account locked for this transaction, if the actor may do ``action`` on it."""
    return perms.get_in_scope(
        PointsAccount.objects.select_for_update(), actor, action, pk=account_id
    )


def expire_due(now: dt.datetime | None = None) -> dict[str, int]:
    """The worker's job: points whose validity ended expire, oldest first. Spending uses
    the oldest points first, so what is left of an award is the balance minus every newer
    award still valid (never less than 0, never more than the award)."""
    now = now or timezone.now()
    due = PointEntry.objects.filter(
        kind=EntryKind.AWARD, expires_at__lte=now, reversed_by__isnull=True
    ).exclude(pk__in=PointEntry.objects.filter(source__startswith="expire:").values("reverses_id"))
    expired = 0
    for account_id in due.values_list("account_id", flat=True).distinct():
        with transaction.atomic():
            account = PointsAccount.objects.select_for_update().get(pk=account_id)
            left = balance(account)
            valid = list(
                PointEntry.objects.filter(
                    account=account, kind=EntryKind.AWARD, reversed_by__isnull=True
                )
                .exclude(expires_at__lte=now)
                .values_list("points", flat=True)
            )
            newer_still_valid = sum(valid)
            for award in due.filter(account=account).order_by("-at", "-id"):
                remaining = max(0, min(award.points, left - newer_still_valid))
                newer_still_valid += award.points
                if remaining == 0:
                    continue
                _entry(
                    account=account,
                    kind=EntryKind.EXPIRE,
                    points=-remaining,
                    source=f"expire:{award.pk}",
                    at=now,
                    reason=_("Points earned on %(day)s expired")
                    % {"day": timezone.localtime(award.at).date().isoformat()},
                    reverses=award,
                )
                left -= remaining
                expired += remaining
    return {"points": expired}


# --- settlement ------------------------------------------------------------------------------------

# Other modules' reasons not to settle yet: (street id, period) -> message or None.
_settlement_checks: list[Callable[[int, Period], str | None]] = []


def register_settlement_check(check: Callable[[int, Period], str | None]) -> None:
    """A module that awards points says when a period may not be settled yet (e.g. services
    done in it but not confirmed). Points calls no module; modules register here."""
    _settlement_checks.append(check)


def period_open(*, actor, street_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> Period:
    perms.require(actor, p.SETTLE)
    if street_id not in perms.streets(actor, p.SETTLE):
        raise Http404
    if ends_at <= starts_at:
        raise InvalidInput(_("The period must end after it starts."), field="ends_at")
    with transaction.atomic():
        last = (
            Period.objects.select_for_update()
            .filter(street_id=street_id)
            .order_by("-ends_at")
            .first()
        )
        if last is not None and starts_at != last.ends_at:
            raise InvalidInput(
                _("A period starts where the last one ends: %(end)s.")
                % {"end": timezone.localtime(last.ends_at).strftime("%Y-%m-%d %H:%M")},
                field="starts_at",
            )
        return Period.objects.create(street_id=street_id, starts_at=starts_at, ends_at=ends_at)


def period_settle_ask(*, actor, period: Period) -> Period:
    """Ask the worker to settle the period (the page shows it as being settled)."""
    from .tasks import settle

    with transaction.atomic():
        period = perms.get_in_scope(
            Period.objects.select_for_update(), actor, p.SETTLE, pk=period.pk
        )
        if period.settled_at is not None:
            raise Conflict(_("This period is already settled."), code="already_settled")
        period.settle_asked_at, period.settle_error = timezone.now(), ""
        period.save(update_fields=["settle_asked_at", "settle_error"])
        transaction.on_commit(lambda: settle.enqueue(period.pk, actor.pk))
    return period


def period_settle(*, actor, period: Period, now: dt.datetime | None = None) -> Period:
    """定期清算: close the period. Every account gets its statement (the period's sums and
    the balance at the close); nothing may be dated inside the period any more. All or
    nothing: a worker killed in the middle leaves the period open and no statement."""
    now = now or timezone.now()
    with transaction.atomic():
        period = perms.get_in_scope(
            Period.objects.select_for_update(), actor, p.SETTLE, pk=period.pk
        )
        if period.settled_at is not None:
            raise Conflict(_("This period is already settled."), code="already_settled")
        if period.ends_at > now:
            raise Conflict(
                _("The period has not ended yet: settle it after %(end)s.")
                % {"end": timezone.localtime(period.ends_at).strftime("%Y-%m-%d %H:%M")},
                code="not_ended",
            )
        earlier = Period.objects.filter(
            street_id=period.street_id, ends_at__lte=period.starts_at, settled_at__isnull=True
        ).first()
        if earlier is not None:
            raise Conflict(
                _("Settle the earlier period %(period)s first.") % {"period": earlier},
                code="earlier_open",
            )
        for check in _settlement_checks:
            message = check(period.street_id, period)
            if message:
                raise Conflict(message, code="not_ready")
        _write_statements(period)
        period.settled_at = now
        period.settled_by = actor
        period.settle_asked_at = None
        period.save(
            update_fields=[
                "settled_at", "settled_by", "settle_asked_at", "issued", "redeemed", "expired",
                "corrected", "outstanding",
            ]
        )  # fmt: skip
        record_change(actor=actor, target=period, verb="settle", summary=_("Period settled"),
                      changes={"issued": period.issued, "redeemed": period.redeemed,
                               "expired": period.expired, "outstanding": period.outstanding})  # fmt: skip
    return period


def _write_statements(period: Period) -> None:
    """One statement per account that had a balance or an entry: the period's sums by kind
    (one grouped query) on top of the account's statement of the previous period (periods
    follow each other without gaps, and every account with a balance has a statement in
    each one)."""
    street = period.street_id
    sums: dict[int, dict[str, int]] = {}
    rows = (
        PointEntry.objects.filter(street_id=street, at__gte=period.starts_at, at__lt=period.ends_at)
        .order_by()
        .values_list("account_id", "kind")
        .annotate(n=Sum("points"))
    )
    for account_id, kind, n in rows:
        sums.setdefault(account_id, {})[kind] = n
    before = dict(
        Statement.objects.filter(street_id=street, period__ends_at=period.starts_at).values_list(
            "account_id", "balance"
        )
    )
    statements = []
    totals = {"issued": 0, "redeemed": 0, "expired": 0, "corrected": 0, "outstanding": 0}
    for account_id in sorted(set(sums) | set(before)):
        s = sums.get(account_id, {})
        figures = {
            "issued": s.get(EntryKind.AWARD, 0),
            "redeemed": -s.get(EntryKind.REDEEM, 0),
            "expired": -s.get(EntryKind.EXPIRE, 0),
            "corrected": s.get(EntryKind.CORRECT, 0) + s.get(EntryKind.REFUND, 0),
        }
        closing = before.get(account_id, 0) + sum(s.values())
        statements.append(
            Statement(
                street_id=street, period=period, account_id=account_id, balance=closing, **figures
            )
        )
        for key, value in [*figures.items(), ("outstanding", closing)]:
            totals[key] += value
    Statement.objects.bulk_create(statements, batch_size=5000)
    for key, value in totals.items():
        setattr(period, key, value)


# --- the store ---------------------------------------------------------------------------------


def item_save(
    *,
    actor,
    street_id: int,
    name: str,
    price: int,
    description: str = "",
    per_person_limit: int | None = None,
    on_shelf: bool = True,
    photo=None,
    item: StoreItem | None = None,
) -> StoreItem:
    """Put an item in the catalogue, or change one (price, limit, shelf). Stock changes only
    by stock-in and redemptions."""
    from linli.core.attachments import clean_photo

    name = clean_text(name, field="name", label=_("the name"), required=True, limit=60)
    description = clean_text(
        description, field="description", label=_("the description"), limit=200
    )
    if not isinstance(price, int) or not 1 <= price <= MAX_RULE_POINTS * 10:
        raise InvalidInput(_("Enter a points price from 1 to 100,000."), field="price")
    if per_person_limit is not None and not 1 <= per_person_limit <= 1000:
        raise InvalidInput(
            _("Enter a limit from 1 to 1,000, or leave it blank."), field="per_person_limit"
        )
    cleaned = clean_photo(photo, field="photo") if photo else None
    perms.require(actor, p.STORE)
    if street_id not in perms.streets(actor, p.STORE):
        raise Http404
    with transaction.atomic():
        if item is None:
            item = StoreItem(street_id=street_id)
        else:
            item = perms.get_in_scope(
                StoreItem.objects.select_for_update(), actor, p.STORE, pk=item.pk
            )
        if StoreItem.objects.filter(street_id=street_id, name=name).exclude(pk=item.pk).exists():
            raise InvalidInput(_("An item of this name is already in the store."), field="name")
        item.name, item.description, item.price = name, description, price
        item.per_person_limit, item.on_shelf = per_person_limit, on_shelf
        if cleaned is not None:
            item.photo = cleaned.content
        created = item.pk is None
        item.save()
        record_change(actor=actor, target=item, verb="create" if created else "update",
                      summary=_("Store item saved"), changes={"name": name, "price": price,
                      "per_person_limit": per_person_limit, "on_shelf": on_shelf})  # fmt: skip
    return item


def stock_in(
    *,
    actor,
    item: StoreItem,
    quantity: int,
    source: str,
    cost=None,
    donor: str = "",
    at: dt.datetime | None = None,
) -> StockIn:
    """Goods onto the shelf: bought (what they cost) or donated (by whom)."""
    if not isinstance(quantity, int) or not 1 <= quantity <= 100_000:
        raise InvalidInput(_("Enter how many, from 1 to 100,000."), field="quantity")
    if source not in StockSource.values:
        raise InvalidInput(_("Say whether the goods were bought or donated."), field="source")
    if source == StockSource.PURCHASE and cost is None:
        raise InvalidInput(_("Record what the goods cost."), field="cost")
    if cost is not None and cost < 0:
        raise InvalidInput(_("The cost cannot be negative."), field="cost")
    donor = clean_text(donor, field="donor", label=_("the donor"), limit=100)
    if source == StockSource.DONATION and not donor:
        raise InvalidInput(_("Record who donated the goods."), field="donor")
    with transaction.atomic():
        item = perms.get_in_scope(StoreItem.objects.all(), actor, p.STORE, pk=item.pk)
        StoreItem.objects.filter(pk=item.pk).update(stock=F("stock") + quantity)
        entry = StockIn.objects.create(
            street_id=item.street_id,
            item=item,
            quantity=quantity,
            source=source,
            cost=cost,
            donor=donor,
            at=at or timezone.now(),
            by=actor,
        )
        record_change(actor=actor, target=entry, verb="create", summary=_("Stock recorded"),
                      changes={"item": item.pk, "quantity": quantity, "source": source,
                               "cost": str(cost) if cost is not None else None, "donor": donor})  # fmt: skip
        return entry


def _pickup_code(street_id: int) -> str:
    for _attempt in range(20):
        code = f"{secrets.randbelow(1_000_000):06d}"
        if not Redemption.objects.filter(
            street_id=street_id, pickup_code=code, status=RedemptionState.RESERVED
        ).exists():
            return code
    raise Conflict(_("Please try again."), code="busy")


def redeem(
    *,
    actor,
    account: PointsAccount,
    item: StoreItem,
    quantity: int = 1,
    reserve: bool = False,
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Redemption:
    """兑换: at the counter (staff hand the goods over at once) or reserved on the phone (the
    person collects it with the pickup code). Never overdraws the balance, never oversells
    the stock, never passes the per-person limit, however many ask at once: the account is
    locked while its balance and limit are checked, and the stock goes down by one
    conditional UPDATE. Refusals (409) change nothing."""
    if not isinstance(quantity, int) or not 1 <= quantity <= 100:
        raise InvalidInput(_("Enter how many, from 1 to 100."), field="quantity")
    at = at or timezone.now()
    counter = not reserve
    action = p.COUNTER if counter else p.REDEEM
    with transaction.atomic():
        once = claim_key(actor=actor, scope="points.redeem", key=idempotency_key, model=Redemption)
        if isinstance(once.earlier, Redemption):
            return once.earlier
        account = _lock_account(actor, account.pk, action)
        found = StoreItem.objects.filter(pk=item.pk, street_id=account.street_id).first()
        if found is None:
            raise Http404
        item = found
        if not item.on_shelf:
            raise Conflict(
                _("%(item)s is not on the shelf now.") % {"item": item.name}, code="off_shelf"
            )
        if item.per_person_limit is not None:
            had = (
                Redemption.objects.filter(
                    account=account, item=item, status__in=LIVE_REDEMPTIONS
                ).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            if had + quantity > item.per_person_limit:
                raise Conflict(
                    _("Each person may have at most %(n)d of %(item)s.")
                    % {"n": item.per_person_limit, "item": item.name},
                    code="limit_reached",
                )
        cost = item.price * quantity
        have = balance(account)
        if have < cost:
            raise Conflict(
                _("Not enough points: %(item)s needs %(cost)d, the balance is %(have)d.")
                % {"item": item.name, "cost": cost, "have": have},
                code="insufficient_points",
            )
        taken = StoreItem.objects.filter(pk=item.pk, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if not taken:
            raise Conflict(
                _("%(item)s is out of stock.") % {"item": item.name}, code="out_of_stock"
            )
        redemption = Redemption.objects.create(
            street_id=account.street_id,
            account=account,
            item=item,
            quantity=quantity,
            points=cost,
            status=RedemptionState.COLLECTED if counter else RedemptionState.RESERVED,
            pickup_code="" if counter else _pickup_code(account.street_id),
            created_at=at,
            created_by=actor,
            collected_at=at if counter else None,
            handed_over_by=actor if counter else None,
        )
        _entry(
            account=account,
            kind=EntryKind.REDEEM,
            points=-cost,
            source=f"redemption:{redemption.pk}",
            at=at,
            actor=actor,
            reason=f"{item.name} × {quantity}",
        )
        once.record(redemption)
    return redemption


def reserve(
    *,
    actor,
    street_id: int,
    item: StoreItem,
    quantity: int = 1,
    idempotency_key: str = "",
    at: dt.datetime | None = None,
) -> Redemption:
    """The actor reserves goods for themselves on their phone (``redeem`` with
    ``reserve``), from their own account, opened on first use. One transaction: a refusal
    leaves nothing behind, not even an empty account."""
    with transaction.atomic():
        account = account_for(street_id=street_id, user=actor)
        return redeem(
            actor=actor,
            account=account,
            item=item,
            quantity=quantity,
            reserve=True,
            idempotency_key=idempotency_key,
            at=at,
        )


# Redemptions move by a small workflow of their own (their history is the ledger itself).
REDEMPTION_FLOW = Workflow(
    statuses=RedemptionState,
    subject=_("redemption"),
    transitions=[
        step("collect", {RedemptionState.RESERVED}, RedemptionState.COLLECTED, p.COUNTER,
             _("Hand over"), _("Handed over.")),
        step("cancel", {RedemptionState.RESERVED}, RedemptionState.CANCELLED, p.REDEEM,
             _("Cancel the reservation"), _("Reservation cancelled: the points are back."),
             _("Cancelled: your points are back.")),
        step("cancel_at_counter", {RedemptionState.RESERVED}, RedemptionState.CANCELLED,
             p.COUNTER, _("Cancel the reservation"), _("Reservation cancelled: the points are back.")),
        step("void", {RedemptionState.COLLECTED}, RedemptionState.VOIDED, p.COUNTER,
             _("Void"), _("Voided: the goods are back in stock and the points returned.")),
    ],
)  # fmt: skip
REDEMPTIONS = Machine(
    workflow=REDEMPTION_FLOW,
    model=Redemption,
    timeline=None,
    subject_field="redemption",
    authorize=authorize,
)


def redemption_collect(*, actor, code: str, street_id: int, at=None) -> Redemption:
    """The counter hands over a reservation, found by its pickup code."""
    code = (code or "").strip()
    found = Redemption.objects.filter(
        street_id=street_id, pickup_code=code, status=RedemptionState.RESERVED
    ).first()
    if found is None or not code:
        raise InvalidInput(_("No reservation waits under this pickup code."), field="code")

    def hand_over(r, now):
        r.handed_over_by = actor
        return ["handed_over_by", *set_now("collected_at")(r, now)]

    redemption, _e = REDEMPTIONS.transition(
        actor=actor, row=found, name="collect", at=at, apply=hand_over
    )
    return redemption


def redemption_cancel(*, actor, redemption: Redemption, reason: str = "", at=None) -> Redemption:
    """A reservation is cancelled (by its holder, or at the counter): stock and points back."""
    at_counter = perms.allows(actor, p.COUNTER, redemption)
    return _give_back(
        actor, redemption, "cancel_at_counter" if at_counter else "cancel", reason, at
    )


def redemption_void(*, actor, redemption: Redemption, reason: str, at=None) -> Redemption:
    """A redemption handed over by mistake is voided: stock and points back."""
    reason = clean_text(reason, field="reason", label=_("the reason"), required=True, limit=200)
    return _give_back(actor, redemption, "void", reason, at)


def _give_back(actor, redemption: Redemption, name: str, reason: str, at) -> Redemption:
    reason = clean_text(reason, field="reason", label=_("the reason"), limit=200)
    at = at or timezone.now()

    def apply(r, now) -> list[str]:
        StoreItem.objects.filter(pk=r.item_id).update(stock=F("stock") + r.quantity)
        account = PointsAccount.objects.select_for_update().get(pk=r.account_id)
        _entry(
            account=account,
            kind=EntryKind.REFUND,
            points=r.points,
            source=f"refund:{r.pk}",
            at=now,
            actor=actor,
            reason=reason,
        )
        r.ended_at, r.ended_reason = now, reason
        return ["ended_at", "ended_reason"]

    with transaction.atomic():
        done, _e = REDEMPTIONS.transition(
            actor=actor, row=redemption, name=name, at=at, apply=apply
        )
    return done


# --- suggestions ---------------------------------------------------------------------------------


def suggestion_vote(*, actor, street_id: int, text: str) -> Suggestion:
    """Suggest goods for the store, or add one's vote to the same suggestion (once)."""
    text = clean_text(text, field="text", label=_("what you would like"), required=True, limit=60)
    perms.require(actor, p.SUGGEST)
    if street_id not in perms.streets(actor, p.SUGGEST):
        raise Http404
    with transaction.atomic():
        suggestion, _created = Suggestion.objects.get_or_create(
            street_id=street_id, text=text, defaults={"created_by": actor}
        )
        try:
            with transaction.atomic():
                SuggestionVote.objects.create(
                    street_id=street_id, suggestion=suggestion, user=actor
                )
        except IntegrityError:
            raise Conflict(_("You have already voted for this."), code="already_voted") from None
        Suggestion.objects.filter(pk=suggestion.pk).update(votes=F("votes") + 1)
        suggestion.refresh_from_db(fields=["votes"])
    return suggestion
