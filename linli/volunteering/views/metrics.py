"""The volunteering figures of a month: volunteers and the party members' share, orders by
status, how fast orders fill, hours served, the most active volunteers; the street's
points (issued, redeemed, expired, outstanding) and what the store handed over."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from linli.core.db import reading_from_replica
from linli.core.forms import month_span
from linli.grids import permissions as perms
from linli.points import selectors as points

from .. import forms as f
from .. import permissions as p
from .. import selectors
from ..models import OrderStatus


@login_required
@reading_from_replica()
def metrics(request):
    actor = request.user
    if perms.NODE not in perms.kinds(actor, p.METRICS):
        raise Http404
    form = f.MonthForm(request.GET or None)
    month = timezone.localdate().replace(day=1)
    if form.is_bound and form.is_valid() and form.cleaned_data["month"]:
        month = form.cleaned_data["month"]
    start, end = month_span(month)
    figures = selectors.figures(actor, start=start, end=end)
    street_id = min(perms.streets(actor, p.METRICS))
    by_status = figures.orders_by_status if figures else {}
    return render(
        request,
        "volunteering/metrics.html",
        {
            "form": form,
            "month": month,
            "f": figures,
            "party_visible": perms.can(actor, perms.VIEW_PARTY_TAGS),
            "statuses": [(label, by_status.get(value, 0)) for value, label in OrderStatus.choices],
            "orders_total": sum(by_status.values()),
            "points": points.street_figures(street_id),
            "items": points.items_redeemed(street_id, since=start, until=end),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


urlpatterns = [path("metrics/", metrics, name="metrics")]
