"""Points pages. For residents and volunteers (large type): my points, the store's shelf,
reserving goods, my reservations. For staff: the counter (find a person, redeem, hand
over a reservation by its pickup code), an account's ledger with corrections, the
store (items, stock in, low stock, residents' suggestions), the published standard and
settlement (定期清算, run by the worker)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core.attachments import photo_response
from linli.core.errors import InvalidInput, LinliError
from linli.core.forms import DateField, OnceForm
from linli.core.paging import keyset_page
from linli.grids import permissions as perms

from . import permissions as p
from . import selectors, services
from .models import EarnKind, Period, PointEntry, PointRule, Redemption, StockSource, StoreItem


def _street(actor, action: str) -> int:
    streets = perms.streets(actor, action)
    if not streets:
        raise Http404
    return min(streets)


def _refused(request, exc: LinliError, to: str, *args):
    messages.error(request, exc.message)
    return redirect(to, *args)


# --- residents and volunteers --------------------------------------------------------------------


@login_required
def mine(request):
    """My points: the balance, what earned and spent them, my statements."""
    perms.require(request.user, p.VIEW_OWN)
    account = selectors.my_account(request.user)
    page = None
    if account is not None:
        page = keyset_page(
            selectors.entries(account),
            order=("-at", "-id"),
            after=request.GET.get("after", ""),
            size=20,
        )
    return render(
        request,
        "points/mine.html",
        {
            "account": account,
            "balance": selectors.balance(account) if account else 0,
            "page": page,
            "rows": page.rows if page else [],
            "statements": list(
                account.statements.select_related("period").order_by("-period__ends_at")[:6]
            )
            if account
            else [],
        },
    )


@login_required
def store(request):
    """积分超市: for residents the shelf with a reserve button; staff go to the counter."""
    actor = request.user
    if perms.can(actor, p.COUNTER) or perms.can(actor, p.STORE):
        return redirect("points:counter")
    perms.require(actor, p.REDEEM)
    account = selectors.my_account(actor)
    street_id = account.street_id if account else _street(actor, p.REDEEM)
    return render(
        request,
        "points/store.html",
        {
            "items": list(selectors.shelf(street_id)),
            "balance": selectors.balance(account) if account else 0,
            "suggestions": list(selectors.suggestions(street_id)[:10]),
        },
    )


@login_required
def item_photo(request, pk: int):
    """An item's photo, for anyone with a role in the item's street (goods, not people)."""
    item = selectors.item_with_photo(request.user, pk)
    if item is None:
        raise Http404
    return photo_response(item.photo)


@login_required
def item(request, pk: int):
    """An item's stock report: stock-ins (bought, with cost; donated, by whom) and who
    redeemed it."""
    return render(request, "points/item.html", {"h": selectors.item_history(request.user, pk)})


class ReserveForm(OnceForm):
    quantity = forms.IntegerField(min_value=1, max_value=100, initial=1)


@login_required
@require_POST
def reserve(request, pk: int):
    actor = request.user
    perms.require(actor, p.REDEEM)
    form = ReserveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter how many, from 1 to 100."))
        return redirect("points:store")
    street_id = _street(actor, p.REDEEM)
    item = StoreItem.objects.filter(pk=pk, street_id=street_id, on_shelf=True).first()
    if item is None:
        raise Http404
    try:
        redemption = services.reserve(
            actor=actor, street_id=street_id, item=item, quantity=form.cleaned_data["quantity"],
            idempotency_key=form.cleaned_data["form_token"],
        )  # fmt: skip
    except LinliError as exc:
        return _refused(request, exc, "points:store")
    messages.success(
        request,
        _("Reserved. Show the pickup code %(code)s at the points store to collect it.")
        % {"code": redemption.pickup_code},
    )
    return redirect("points:my_redemptions")


@login_required
def my_redemptions(request):
    perms.require(request.user, p.VIEW_OWN)
    return render(
        request,
        "points/my_redemptions.html",
        {"rows": list(selectors.my_redemptions(request.user)[:50])},
    )


@login_required
@require_POST
def cancel(request, pk: int):
    """Cancel a reservation (its holder, or the counter): the goods and points go back."""
    redemption = _redemption(request.user, pk)
    try:
        services.redemption_cancel(
            actor=request.user, redemption=redemption, reason=request.POST.get("reason", "")
        )
    except LinliError as exc:
        return _refused(request, exc, "points:my_redemptions")
    messages.success(request, _("Cancelled: the points are back."))
    if perms.can(request.user, p.COUNTER):
        return redirect("points:account", redemption.account_id)
    return redirect("points:my_redemptions")


def _redemption(actor, pk: int) -> Redemption:
    for action in (p.COUNTER, p.VIEW_OWN):
        found = perms.filter_to_scope(Redemption.objects.all(), actor, action).filter(pk=pk).first()
        if found is not None:
            return found
    raise Http404


@login_required
@require_POST
def suggest(request):
    actor = request.user
    try:
        services.suggestion_vote(
            actor=actor, street_id=_street(actor, p.SUGGEST), text=request.POST.get("text", "")
        )
    except LinliError as exc:
        return _refused(request, exc, "points:store")
    messages.success(request, _("Thank you: the community stocks what residents ask for most."))
    return redirect("points:store")


@login_required
def standard(request):
    """The published points standard (积分标准), for everyone with points."""
    actor = request.user
    street_id = (
        _street(actor, p.VIEW_OWN) if perms.can(actor, p.VIEW_OWN) else _street(actor, p.VIEW)
    )
    rules = PointRule.objects.filter(street_id=street_id, active_to__isnull=True).order_by(
        "kind", "skill"
    )
    return render(
        request,
        "points/standard.html",
        {
            "rules": list(rules),
            "can_publish": perms.can(actor, p.RULES),
            "form": RuleForm(),
            "kinds": EarnKind,
        },
    )


# --- staff: the counter --------------------------------------------------------------------------


@login_required
def counter(request):
    """The counter: find the person (name), or hand over a reservation by its code."""
    actor = request.user
    perms.require(actor, p.COUNTER)
    q = (request.GET.get("q") or "").strip()[:40]
    accounts = list(selectors.accounts(actor, q)[:20]) if q else []
    street_id = _street(actor, p.COUNTER)
    return render(
        request,
        "points/counter.html",
        {
            "q": q,
            "accounts": accounts,
            "low": list(selectors.low_stock(actor)) if perms.can(actor, p.STORE) else [],
            "figures": selectors.street_figures(street_id) if perms.can(actor, p.VIEW) else None,
        },
    )


@login_required
@require_POST
def handover(request):
    actor = request.user
    perms.require(actor, p.COUNTER)
    try:
        r = services.redemption_collect(
            actor=actor, code=request.POST.get("code", ""), street_id=_street(actor, p.COUNTER)
        )
    except LinliError as exc:
        return _refused(request, exc, "points:counter")
    messages.success(
        request, _("Hand over: %(item)s × %(n)d.") % {"item": r.item.name, "n": r.quantity}
    )
    return redirect("points:counter")


class CorrectionForm(forms.Form):
    points = forms.IntegerField(label=gettext_lazy("Points (+ to add, − to take off)"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


class CounterRedeemForm(OnceForm):
    item = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(
        label=gettext_lazy("How many"), min_value=1, max_value=100, initial=1
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            (i.pk, f"{i.name} · {i.price} 分 · 余 {i.stock}") for i in items
        ]


@login_required
def account(request, pk: int):
    """One person's account at the counter: balance, ledger, redemptions; redeem for them,
    or correct an entry with a reason."""
    actor = request.user
    acc = selectors.account_get(actor, pk)
    items = list(selectors.shelf(acc.street_id))
    redeem_form = CounterRedeemForm(request.POST if "redeem" in request.POST else None, items=items)
    correct_form = CorrectionForm(request.POST if "correct" in request.POST else None)
    if request.method == "POST":
        try:
            if "redeem" in request.POST and redeem_form.is_valid():
                d = redeem_form.cleaned_data
                item = next(i for i in items if i.pk == d["item"])
                services.redeem(actor=actor, account=acc, item=item, quantity=d["quantity"],
                                idempotency_key=d["form_token"])  # fmt: skip
                messages.success(request, _("Redeemed: hand over %(item)s.") % {"item": item.name})
                return redirect("points:account", pk)
            if "correct" in request.POST and correct_form.is_valid():
                services.adjust(actor=actor, account=acc, points=correct_form.cleaned_data["points"],
                                reason=correct_form.cleaned_data["reason"])  # fmt: skip
                messages.success(request, _("Correction recorded."))
                return redirect("points:account", pk)
            if "reverse" in request.POST:
                entry = PointEntry.objects.filter(
                    account=acc, pk=request.POST.get("reverse") or 0
                ).first()
                if entry is None:
                    raise Http404
                services.entry_reverse(
                    actor=actor, entry=entry, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The entry is reversed."))
                return redirect("points:account", pk)
        except InvalidInput as exc:
            messages.error(request, exc.message)
        except LinliError as exc:
            messages.error(request, exc.message)
    page = keyset_page(
        selectors.entries(acc), order=("-at", "-id"), after=request.GET.get("after", ""), size=25
    )
    return render(
        request,
        "points/account.html",
        {
            "acc": acc,
            "balance": selectors.balance(acc),
            "page": page,
            "rows": page.rows,
            "redemptions": list(selectors.redemptions(actor, account=acc)[:20]),
            "redeem_form": redeem_form,
            "correct_form": correct_form,
            "can_correct": perms.can(actor, p.CORRECT),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- staff: the store ------------------------------------------------------------------------------


class ItemForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    price = forms.IntegerField(label=gettext_lazy("Points price"), min_value=1, max_value=100_000)
    per_person_limit = forms.IntegerField(
        label=gettext_lazy("At most per person (blank: no limit)"),
        min_value=1,
        max_value=1000,
        required=False,
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


class StockInForm(forms.Form):
    item = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("How many"), min_value=1, max_value=100_000)
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=StockSource.choices)
    cost = forms.DecimalField(
        label=gettext_lazy("Cost per item (yuan)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
    )
    donor = forms.CharField(label=gettext_lazy("Donated by"), max_length=100, required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, i.name) for i in items]


@login_required
def store_manage(request):
    """The catalogue, stock in (bought or donated), low stock, and what residents ask for."""
    actor = request.user
    perms.require(actor, p.STORE)
    street_id = _street(actor, p.STORE)
    items = list(selectors.store_items(actor))
    item_form = ItemForm(request.POST if "add_item" in request.POST else None)
    stock_form = StockInForm(request.POST if "stock_in" in request.POST else None, items=items)
    if request.method == "POST":
        try:
            if "add_item" in request.POST and item_form.is_valid():
                d = item_form.cleaned_data
                services.item_save(actor=actor, street_id=street_id, name=d["name"], price=d["price"],
                                   per_person_limit=d["per_person_limit"], description=d["description"],
                                   photo=request.FILES.get("photo"))  # fmt: skip
                messages.success(request, _("The item is on the shelf."))
                return redirect("points:store_manage")
            if "stock_in" in request.POST and stock_form.is_valid():
                d = stock_form.cleaned_data
                item = next(i for i in items if i.pk == d["item"])
                services.stock_in(actor=actor, item=item, quantity=d["quantity"], source=d["source"],
                                  cost=d["cost"], donor=d["donor"])  # fmt: skip
                messages.success(request, _("Stock recorded."))
                return redirect("points:store_manage")
            if "shelf" in request.POST:
                item = next((i for i in items if str(i.pk) == request.POST.get("shelf")), None)
                if item is None:
                    raise Http404
                services.item_save(actor=actor, street_id=street_id, name=item.name, price=item.price,
                                   per_person_limit=item.per_person_limit, description=item.description,
                                   on_shelf=not item.on_shelf, item=item)  # fmt: skip
                return redirect("points:store_manage")
        except LinliError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "points/store_manage.html",
        {
            "items": items,
            "item_form": item_form,
            "stock_form": stock_form,
            "suggestions": list(selectors.suggestions(street_id)[:20]),
            "redeemed": selectors.items_redeemed(street_id),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- staff: the standard and settlement ------------------------------------------------------------


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Earned for"), choices=EarnKind.choices)
    skill = forms.CharField(
        label=gettext_lazy("Skill (volunteer orders only; blank: any)"),
        max_length=30,
        required=False,
    )
    points = forms.IntegerField(label=gettext_lazy("Points"), min_value=1, max_value=10_000)
    cap_per_day = forms.IntegerField(
        label=gettext_lazy("At most per day"), min_value=1, required=False
    )
    cap_per_month = forms.IntegerField(
        label=gettext_lazy("At most per month"), min_value=1, required=False
    )
    expiry_days = forms.IntegerField(
        label=gettext_lazy("Points expire after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
    )


@login_required
@require_POST
def rule_publish(request):
    actor = request.user
    form = RuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("points:standard")
    try:
        services.rule_publish(actor=actor, street_id=_street(actor, p.RULES), **form.cleaned_data)
    except LinliError as exc:
        return _refused(request, exc, "points:standard")
    messages.success(
        request, _("Published. Awards from now follow it; earlier ones keep their points.")
    )
    return redirect("points:standard")


class PeriodForm(forms.Form):
    starts = DateField(label=gettext_lazy("From"))
    ends = DateField(label=gettext_lazy("To (exclusive)"))


@login_required
def settlement(request):
    """定期清算: the periods, what each issued, redeemed and left outstanding; open the next,
    settle one that has ended (the worker does it)."""
    actor = request.user
    perms.require(actor, p.SETTLE)
    street_id = _street(actor, p.SETTLE)
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tz = timezone.get_current_timezone()
        try:
            services.period_open(
                actor=actor, street_id=street_id,
                starts_at=dt.datetime.combine(form.cleaned_data["starts"], dt.time.min, tzinfo=tz),
                ends_at=dt.datetime.combine(form.cleaned_data["ends"], dt.time.min, tzinfo=tz),
            )  # fmt: skip
        except InvalidInput as exc:
            form.add_error("starts" if exc.field == "starts_at" else "ends", exc.message)
        else:
            return redirect("points:settlement")
    return render(
        request,
        "points/settlement.html",
        {
            "periods": list(Period.objects.filter(street_id=street_id).order_by("-starts_at")),
            "form": form,
            "figures": selectors.street_figures(street_id),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def settle(request, pk: int):
    period = perms.get_in_scope(Period.objects.all(), request.user, p.SETTLE, pk=pk)
    try:
        services.period_settle_ask(actor=request.user, period=period)
    except LinliError as exc:
        return _refused(request, exc, "points:settlement")
    messages.success(request, _("Settlement asked: the worker closes the period in a moment."))
    return redirect("points:settlement")


urlpatterns = [
    path("", mine, name="mine"),
    path("store/", store, name="store"),
    path("store/items/<int:pk>/reserve/", reserve, name="reserve"),
    path("store/items/<int:pk>/photo/", item_photo, name="item_photo"),
    path("store/mine/", my_redemptions, name="my_redemptions"),
    path("store/redemptions/<int:pk>/cancel/", cancel, name="cancel"),
    path("store/suggest/", suggest, name="suggest"),
    path("standard/", standard, name="standard"),
    path("standard/publish/", rule_publish, name="rule_publish"),
    path("counter/", counter, name="counter"),
    path("counter/handover/", handover, name="handover"),
    path("accounts/<int:pk>/", account, name="account"),
    path("store/manage/", store_manage, name="store_manage"),
    path("store/manage/items/<int:pk>/", item, name="item"),
    path("settlement/", settlement, name="settlement"),
    path("settlement/<int:pk>/settle/", settle, name="settle"),
]
