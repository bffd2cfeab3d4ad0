"""Points (积分): accounts, the published rules, the append-only ledger, settlement periods
and the points store (积分超市).

* An account belongs to a person of the street: a registered resident, or a user (a staff
  volunteer without a household here), or both.
* The ledger is append-only (``PointEntry``): every award, redemption, refund, expiry and
  correction is an entry; a correction reverses an entry with a reason, never edits it.
  A balance is always the sum of entries. ``source`` is unique per street, so one source
  event (a confirmed service, a redemption) credits or debits at most once.
* Settlement (定期清算) closes a period: no entry may be dated inside it afterwards, and each
  account gets a ``Statement`` (the balance at the close and the period's sums). A balance
  is the last statement plus the entries after it, so it stays fast however long the
  ledger grows — never a mutable balance column that could drift.
* The store: items with a points price, stock and a per-person limit; stock-in records;
  residents' suggestions of what to stock; redemptions at the counter or reserved on the
  phone and collected with a pickup code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.attachments import photo_path
from linli.core.models import AppendOnlyModel, StreetOwned, street_key
from linli.grids.scope import ScopeSpec


class PointsAccount(StreetOwned):
    """Whose points: a resident of the street, a user, or both (a resident who logs in)."""

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_accounts",
        verbose_name=_("resident"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_accounts",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    # Staff reach every account of their street (the counter); a person their own (an
    # account of a resident who logs in always names the user too).
    scope = ScopeSpec(node=None, owner="user")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "resident"],
                condition=Q(resident__isnull=False),
                name="points_account_resident_unique",
            ),
            models.UniqueConstraint(
                fields=["street", "user"],
                condition=Q(user__isnull=False),
                name="points_account_user_unique",
            ),
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False),
                name="points_account_has_a_holder",
            ),
        ]
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")

    def __str__(self) -> str:
        return self.name


class EarnKind(models.TextChoices):
    """What points are earned for (the published standard names each)."""

    VOLUNTEER_ORDER = "volunteer_order", _("Volunteer order (per volunteer)")
    SERVICE_HOUR = "service_hour", _("Volunteer service (per hour)")
    CIVILISATION = "civilisation", _("Civilisation practice (文明实践)")
    CONSULTATION = "consultation", _("Consultation and co-governance (协商共治)")
    ACTIVITY = "activity", _("Taking part in an activity")


class PointRule(StreetOwned):
    """One line of the street's published points standard, in force from ``active_from``
    until it is replaced (``active_to``). Changing a standard closes the old line and
    opens a new one, so an award keeps the points of the rule in force when it was made."""

    kind = models.CharField(_("earned for"), max_length=20, choices=EarnKind.choices)
    skill = models.CharField(
        _("skill"), max_length=30, blank=True, help_text=_("Only for volunteer orders; blank: any.")
    )
    points = models.PositiveIntegerField(_("points"))
    cap_per_day = models.PositiveIntegerField(_("at most per day"), null=True, blank=True)
    cap_per_month = models.PositiveIntegerField(_("at most per month"), null=True, blank=True)
    expiry_days = models.PositiveIntegerField(
        _("points expire after (days)"), null=True, blank=True
    )
    active_from = models.DateTimeField(_("in force from"))
    active_to = models.DateTimeField(_("in force until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=1, points__lte=10_000), name="point_rule_points_sane"
            ),
            models.UniqueConstraint(
                fields=["street", "kind", "skill"],
                condition=Q(active_to__isnull=True),
                name="point_rule_one_in_force",
            ),
        ]
        indexes = [models.Index(fields=["street", "kind", "active_from"])]
        ordering = ["kind", "skill", "-active_from"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.skill} {self.points}"


class EntryKind(models.TextChoices):
    AWARD = "award", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    REFUND = "refund", _("Returned (redemption cancelled)")
    EXPIRE = "expire", _("Expired")
    CORRECT = "correct", _("Correction")


class PointEntry(AppendOnlyModel):
    """One line of the ledger. ``points`` is signed (+ earned, − spent). Never edited: a
    correction is a new entry that ``reverses`` another, with a reason."""

    street = street_key()
    account = models.ForeignKey(
        PointsAccount, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    at = models.DateTimeField(_("time"))
    source = models.CharField(max_length=120)  # what caused it: unique per street
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, null=True, related_name="+")
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, related_name="reversed_by"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    scope = ScopeSpec(node=None, owner="account__user")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "source"], name="point_entry_once"),
            models.CheckConstraint(condition=~Q(points=0), name="point_entry_not_zero"),
        ]
        indexes = [
            models.Index(fields=["account", "at", "id"], name="point_entry_account_at"),
            models.Index(fields=["street", "at", "kind"], name="point_entry_street_at"),
        ]
        ordering = ["-at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")

    def __str__(self) -> str:
        return f"{self.account_id} {self.points:+d} {self.kind}"


class Period(StreetOwned):
    """A settlement period (a month or a quarter). Settled: its entries are closed, each
    account has its statement, and nothing may be dated inside it any more."""

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("until"))  # exclusive
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settle_asked_at = models.DateTimeField(null=True, blank=True)  # queued for the worker
    settle_error = models.CharField(max_length=300, blank=True)  # why the worker refused
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued = models.BigIntegerField(default=0)
    redeemed = models.BigIntegerField(default=0)  # as a positive number
    expired = models.BigIntegerField(default=0)
    corrected = models.BigIntegerField(default=0)  # net corrections and refunds
    outstanding = models.BigIntegerField(default=0)  # every balance at the close

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="period_ends_after_start"
            ),
            models.UniqueConstraint(fields=["street", "starts_at"], name="period_start_unique"),
        ]
        ordering = ["-starts_at"]
        verbose_name = _("settlement period")
        verbose_name_plural = _("settlement periods")

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"


class Statement(StreetOwned):
    """One account's figures for a settled period: what it earned, spent, had expire, and
    its balance at the close (the start of every later balance)."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="statements")
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="statements")
    issued = models.BigIntegerField(default=0)
    redeemed = models.BigIntegerField(default=0)
    expired = models.BigIntegerField(default=0)
    corrected = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0)

    scope = ScopeSpec(node=None, owner="account__user")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "account"], name="statement_unique")
        ]
        indexes = [models.Index(fields=["account", "period"])]
        verbose_name = _("points statement")
        verbose_name_plural = _("points statements")

    def __str__(self) -> str:
        return f"{self.account_id} @ {self.period_id}: {self.balance}"


# --- the points store (积分超市) ----------------------------------------------------------------


class StoreItem(StreetOwned):
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("about the item"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)
    price = models.PositiveIntegerField(_("points price"))
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    per_person_limit = models.PositiveIntegerField(
        _("at most per person"), null=True, blank=True, help_text=_("Blank: no limit.")
    )
    on_shelf = models.BooleanField(_("on the shelf"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=1), name="store_item_price_positive"),
            models.UniqueConstraint(fields=["street", "name"], name="store_item_name_unique"),
        ]
        ordering = ["order", "price", "id"]
        verbose_name = _("store item")
        verbose_name_plural = _("store items")

    def __str__(self) -> str:
        return self.name


class StockSource(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    DONATION = "donation", _("Donation")


class StockIn(StreetOwned):
    """Goods put on the shelf: bought (with what they cost) or donated (by whom)."""

    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="stock_ins")
    quantity = models.PositiveIntegerField(_("quantity"))
    source = models.CharField(_("source"), max_length=10, choices=StockSource.choices)
    cost = models.DecimalField(
        _("cost per item (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    donor = models.CharField(_("donated by"), max_length=100, blank=True)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="stock_in_quantity_positive")
        ]
        indexes = [models.Index(fields=["street", "item", "at"])]
        ordering = ["-at", "-id"]
        verbose_name = _("stock in")
        verbose_name_plural = _("stock in")

    def __str__(self) -> str:
        return f"{self.item_id} +{self.quantity}"


class RedemptionState(models.TextChoices):
    RESERVED = "reserved", _("Reserved, to be collected")
    COLLECTED = "collected", _("Collected")
    CANCELLED = "cancelled", _("Cancelled")
    VOIDED = "voided", _("Voided")


LIVE_REDEMPTIONS = (RedemptionState.RESERVED, RedemptionState.COLLECTED)


class Redemption(StreetOwned):
    """Points exchanged for goods: at the counter (collected at once) or reserved on the
    phone and collected with the pickup code. Cancelling a reservation or voiding a
    redemption returns the stock and the points (a refund entry)."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="redemptions")
    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    points = models.PositiveIntegerField(_("points"))
    status = models.CharField(_("state"), max_length=10, choices=RedemptionState.choices)
    pickup_code = models.CharField(_("pickup code"), max_length=6, blank=True)
    created_at = models.DateTimeField(_("time"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(_("reason"), max_length=200, blank=True)

    scope = ScopeSpec(node=None, owner="account__user")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="redemption_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["street", "pickup_code"],
                condition=Q(status="reserved"),
                name="redemption_pickup_code_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "account", "item", "status"]),
            models.Index(fields=["street", "item", "created_at"]),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity} ({self.status})"


class Suggestion(StreetOwned):
    """What residents would like the store to stock next; others add their vote."""

    text = models.CharField(_("what"), max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    votes = models.PositiveIntegerField(default=0)

    scope = ScopeSpec(node=None)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "text"], name="suggestion_text_unique")
        ]
        ordering = ["-votes", "-id"]
        verbose_name = _("store suggestion")
        verbose_name_plural = _("store suggestions")

    def __str__(self) -> str:
        return self.text


class SuggestionVote(StreetOwned):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="voters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="suggestion_vote_once")
        ]
        verbose_name = _("suggestion vote")
        verbose_name_plural = _("suggestion votes")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.suggestion_id}"
