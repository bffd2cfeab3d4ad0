"""The registry's entries in the navigation and on the home page (see ``core.nav``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.nav import Entry, register
from linli.grids import permissions as perms
from linli.registry import permissions as rp


def _places(user) -> set[str]:
    return perms.kinds(user, perms.PLACES_VIEW)


def _my_household(user):
    """``(household id,)`` of a resident account's own household, else None."""
    if perms.OWNER not in perms.kinds(user, rp.VIEW):
        return None
    resident = getattr(user, "resident", None)
    if resident is None or resident.household_id is None:
        return None
    return (resident.household_id,)


def register_entries() -> None:
    register(
        Entry(
            key="household",
            label=_("My household"),
            url_name="registry:household",
            show=_my_household,
            blurb=_("Who lives here and what the community has on file"),
            order=10,
            big=True,
        )
    )
    register(
        Entry(
            key="tree",
            label=_("Grids"),
            title=_("Grids and households"),
            url_name="registry:tree",
            show=lambda user: perms.NODE in _places(user),
            blurb=_("The grid tree with household counts"),
            order=20,
        )
    )
    register(
        Entry(
            key="compounds",
            label=_("My compounds"),
            url_name="registry:compounds",
            show=lambda user: perms.UNIT in _places(user),
            blurb=_("The compounds and buildings your company manages"),
            order=22,
        )
    )
    register(
        Entry(
            key="buildings",
            label=_("My buildings"),
            url_name="registry:compounds",
            show=lambda user: perms.LEADER in _places(user) and perms.UNIT not in _places(user),
            blurb=_("The buildings you look after and the households in them"),
            order=22,
        )
    )
    register(
        Entry(
            key="search",
            label=_("Search"),
            title=_("Find a household"),
            url_name="registry:search",
            show=lambda user: bool(perms.kinds(user, rp.VIEW) & {perms.NODE, perms.LEADER}),
            blurb=_("By name, last four phone digits, address or ID number"),
            order=24,
        )
    )
    register(
        Entry(
            key="import",
            label=_("Import ledger"),
            url_name="registry:import",
            show=lambda user: perms.can(user, rp.IMPORT),
            blurb=_("Households and residents from an Excel file"),
            order=60,
        )
    )
    register(
        Entry(
            key="exports",
            label=_("Your exports"),
            url_name="registry:exports",
            show=lambda user: perms.can(user, rp.EXPORT),
            blurb=_("Excel lists made in the background, to download"),
            order=61,
        )
    )
