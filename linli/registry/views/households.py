"""The household file (一户一档) and search."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from ..selectors.households import HouseholdFilters, household_get, household_list


@login_required
def household(request, pk: int):
    return render(
        request, "registry/household.html", {"household": household_get(request.user, pk)}
    )


@login_required
def search(request):
    filters = HouseholdFilters(q=request.GET.get("q", ""))
    return render(
        request, "registry/search.html", {"households": household_list(request.user, filters)[:50]}
    )


urlpatterns = [
    path("households/<int:pk>/", household, name="household"),
    path("search/", search, name="search"),
]
