"""What points add to the household file (一户一档): each member's points and what the
household took from the points store (staff of the street holding ``points.view``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from linli.grids import permissions as perms
from linli.registry.household_file import register_section

from . import permissions as p
from . import selectors
from .models import Redemption


def household_points(actor, household) -> dict | None:
    if household.street_id not in perms.streets(actor, p.VIEW):
        return None
    accounts = list(selectors.household_accounts(household).order_by("name"))
    return {
        "accounts": [(a, selectors.balance(a)) for a in accounts],
        "redemptions": list(
            Redemption.objects.filter(account__in=accounts)
            .select_related("item", "account")
            .order_by("-created_at")[:10]
        ),
    }


def register() -> None:
    register_section(
        key="points",
        title=gettext_lazy("Points (积分)"),
        template="points/_household_section.html",
        provider=household_points,
    )
