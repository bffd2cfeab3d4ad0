"""The household file (一户一档), its edits, the audited "show full numbers", and search.

Every page starts from ``household_get`` (the actor's ``registry.view`` scope), so a
household outside the scope is a 404 on every page. Edits additionally need
``registry.edit`` on the household (else 404, nothing changed) and go through
``services``; each successful POST redirects (POST-redirect-GET).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput
from linli.grids import permissions as perms
from linli.registry import permissions as rp

from .. import services
from ..forms import HouseholdForm, MoveOutForm, ResidentForm, RevealForm, SearchForm, TagsForm
from ..household_file import sections_for
from ..models import Gender, Household, Relation, ResidenceStatus, Resident, TagTarget, Tenure
from ..selectors import places
from ..selectors.households import (
    HouseholdFilters,
    household_get,
    household_history,
    household_page,
    household_search,
    is_exact_pii_query,
    is_resident_view,
    tag_choices,
    visible_tags,
)

PAGE_SIZE = 25


# --- the household file ------------------------------------------------------------------------


def _member_rows(household: Household, revealed: dict[int, dict[str, str]] | None = None):
    """One row per member with masked ID and phone (or the clear values just revealed)."""
    today = dt.date.today()
    rows = []
    for member in household.members.all():
        clear = (revealed or {}).get(member.pk)
        rows.append(
            {
                "member": member,
                "age": member.age_on(today),
                "id_number": clear["id_number"] if clear else member.id_number_masked,
                "phone": clear["phone"] if clear else member.phone_masked,
                "revealed": clear is not None,
                "tags": list(member.tag_links.all()),
            }
        )
    return rows


_CHANGE_LABELS = {
    "tenure": (gettext_lazy("Tenure"), dict(Tenure.choices)),
    "note": (gettext_lazy("Note"), None),
    "name": (gettext_lazy("Name"), None),
    "relation": (gettext_lazy("Relation"), dict(Relation.choices)),
    "residence_status": (gettext_lazy("Residence"), dict(ResidenceStatus.choices)),
    "gender": (gettext_lazy("Gender"), dict(Gender.choices)),
    "birth_date": (gettext_lazy("Birth date"), None),
    "id_number": (gettext_lazy("ID number"), None),
    "phone": (gettext_lazy("Phone"), None),
    "reason": (gettext_lazy("Reason"), None),
    "added": (gettext_lazy("Added"), None),
    "removed": (gettext_lazy("Removed"), None),
    "level": (gettext_lazy("Level changed"), None),
    # A ledger import's entry (ledger.services._audit).
    "import_job": (gettext_lazy("Import no."), None),
    "fields": (gettext_lazy("Fields changed"), None),
    "area": (gettext_lazy("Registered area"), None),
    "tags": (gettext_lazy("Tags"), None),
    "members_added": (gettext_lazy("Members added"), None),
    "members_changed": (gettext_lazy("Members changed"), None),
}
_LIST_KEYS = {"added", "removed", "level", "fields"}
_SKIP_EMPTY = _LIST_KEYS | {"members_added", "members_changed"}
_ORDER = {key: i for i, key in enumerate(_CHANGE_LABELS)}


def _change_lines(changes: dict) -> list[tuple[str, str]]:
    """Readable (label, text) lines of one history entry; values are already masked."""
    lines = []
    # In the labels' order: PostgreSQL's jsonb keeps its own order of keys.
    changes = changes or {}
    for key in sorted(changes, key=lambda k: (_ORDER.get(k, len(_ORDER)), k)):
        value = changes[key]
        label, choices = _CHANGE_LABELS.get(key, (key, None))

        def show(v, choices=choices):
            return str(choices.get(v, v)) if choices else str(v or "—")

        if key in _SKIP_EMPTY and not value:
            continue
        if key == "fields":  # names of changed fields
            text = "、".join(str(_CHANGE_LABELS.get(v, (v,))[0]) for v in value)
        elif key in _LIST_KEYS:
            text = "、".join(str(v) for v in value)
        elif isinstance(value, list) and len(value) == 2:
            text = f"{show(value[0])} → {show(value[1])}"
        else:
            text = show(value)
        lines.append((str(label), text))
    return lines


def _history(actor, household: Household):
    events = household_history(actor, household)
    if events is None:
        return None
    return [{"event": e, "lines": _change_lines(e.changes)} for e in events]


def _file_context(request, household: Household, revealed=None, reveal_form=None) -> dict:
    actor = request.user
    dwelling = household.dwelling
    building = dwelling.entrance.building
    can_reveal = perms.can(actor, perms.VIEW_PII) and perms.in_scope(
        household, actor, perms.VIEW_PII
    )
    return {
        "household": household,
        "dwelling": dwelling,
        "building": building,
        "compound": building.compound,
        "members": _member_rows(household, revealed),
        "household_tags": list(household.tag_links.all()),
        "owners": list(dwelling.owners.all()),
        "can_edit": _can_edit(actor, household),
        "can_reveal": can_reveal,
        "reveal_form": reveal_form or RevealForm(),
        "revealed": bool(revealed),
        "history": _history(actor, household),
        "sections": sections_for(actor, household),
    }


def _can_edit(actor, household: Household) -> bool:
    return perms.can(actor, rp.EDIT) and perms.in_scope(household, actor, rp.EDIT)


@login_required
def household(request, pk: int):
    actor = request.user
    current = household_get(actor, pk)
    context = _file_context(request, current)
    if is_resident_view(actor):
        return render(request, "registry/household_resident.html", context)
    node = places.node_visible(actor, current.grid_id)
    context.update(
        {
            "node": node,
            "breadcrumbs": [*places.node_breadcrumbs(actor, node), node] if node else [],
            "building_visible": _visible(places.building_get, actor, context["building"].pk),
            "compound_visible": _visible(places.compound_get, actor, context["compound"].pk),
        }
    )
    return render(request, "registry/household.html", context)


def _visible(getter, actor, pk: int) -> bool:
    try:
        getter(actor, pk)
    except Http404:
        return False
    return True


@never_cache
@login_required
@require_POST
def household_reveal(request, pk: int):
    """Show the members' full ID numbers and phones once, after asking why.

    Only for ``view_pii`` holders (else 404); each revealed member is written to the
    access log by ``services.resident_reveal``. The clear values travel only in this
    POST's response, never in a URL, and are not cached.
    """
    actor = request.user
    perms.require(actor, perms.VIEW_PII)
    current = household_get(actor, pk)
    if not perms.in_scope(current, actor, perms.VIEW_PII):
        raise Http404
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.resident_reveal(
                actor=actor,
                resident_ids=[m.pk for m in current.members.all()],
                reason=form.cleaned_data["reason"],
                channel="page",
            )
        except InvalidInput as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
    context = _file_context(request, current, revealed=revealed, reveal_form=form)
    template = "registry/household.html"
    if request.htmx:
        template += "#members"
    else:
        node = places.node_visible(actor, current.grid_id)
        context.update(
            {
                "node": node,
                "breadcrumbs": [*places.node_breadcrumbs(actor, node), node] if node else [],
            }
        )
    return render(request, template, context)


# --- edits -------------------------------------------------------------------------------------


def _editable_household(actor, pk: int) -> Household:
    current = household_get(actor, pk)
    if not _can_edit(actor, current):
        raise Http404
    return current


def _member(household: Household, resident_id: int) -> Resident:
    for member in household.members.all():
        if member.pk == resident_id:
            return member
    raise Http404


def _apply_error(form, exc: InvalidInput) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _back(household: Household) -> HttpResponse:
    return redirect("registry:household", pk=household.pk)


@login_required
def household_edit(request, pk: int):
    actor = request.user
    current = _editable_household(actor, pk)
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        if form.is_valid():
            try:
                services.household_update(
                    actor=actor,
                    household=current,
                    tenure=form.cleaned_data["tenure"],
                    note=form.cleaned_data["note"],
                )
            except InvalidInput as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("Household details saved."))
                return _back(current)
    else:
        form = HouseholdForm(initial={"tenure": current.tenure, "note": current.note})
    return render(request, "registry/household_form.html", {"household": current, "form": form})


_TOKENS_KEY = "registry_used_form_tokens"


def _token_used(request, token: str) -> bool:
    return bool(token) and token in request.session.get(_TOKENS_KEY, [])


def _mark_token_used(request, token: str) -> None:
    if token:
        # The last 50 are enough to catch a double click or a re-sent form.
        request.session[_TOKENS_KEY] = [*request.session.get(_TOKENS_KEY, []), token][-50:]


@login_required
def member_add(request, pk: int):
    """Add a member. A one-time form token stops a second submission of the same form
    (double click, back-and-resend) from adding the person twice."""
    actor = request.user
    current = _editable_household(actor, pk)
    if request.method == "POST":
        form = ResidentForm(request.POST)
        token = request.POST.get("token", "")
        if _token_used(request, token):
            messages.info(request, _("This form was already saved."))
            return _back(current)
        if form.is_valid():
            try:
                services.resident_save(actor=actor, household=current, **_person(form))
            except InvalidInput as exc:
                _apply_error(form, exc)
            else:
                _mark_token_used(request, token)
                messages.success(request, _("Member added."))
                return _back(current)
    else:
        form = ResidentForm(initial={"token": secrets.token_urlsafe(16)})
    return render(
        request, "registry/member_form.html", {"household": current, "form": form, "member": None}
    )


def _person(form: ResidentForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "relation": data["relation"],
        "residence_status": data["residence_status"],
        "id_number": data["id_number"],
        "phone": data["phone"],
        "gender": data["gender"],
        "birth_date": data["birth_date"],
    }


@login_required
def member_edit(request, pk: int, resident_id: int):
    actor = request.user
    current = _editable_household(actor, pk)
    member = _member(current, resident_id)
    if request.method == "POST":
        form = ResidentForm(request.POST, editing=True)
        if form.is_valid():
            try:
                services.resident_save(
                    actor=actor, household=current, resident=member, **_person(form)
                )
            except InvalidInput as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("Member saved."))
                return _back(current)
    else:
        form = ResidentForm(
            editing=True,
            initial={
                "name": member.name,
                "relation": member.relation,
                "residence_status": member.residence_status,
                "gender": member.gender,
                "birth_date": member.birth_date,
            },
        )
    return render(
        request,
        "registry/member_form.html",
        {
            "household": current,
            "form": form,
            "member": member,
            "id_number_masked": member.id_number_masked,
            "phone_masked": member.phone_masked,
        },
    )


@login_required
def member_move_out(request, pk: int, resident_id: int):
    actor = request.user
    current = _editable_household(actor, pk)
    member = _member(current, resident_id)
    form = MoveOutForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_move_out(
                actor=actor, resident=member, reason=form.cleaned_data["reason"]
            )
        except InvalidInput as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("%(name)s moved out.") % {"name": member.name})
            return _back(current)
    return render(
        request,
        "registry/member_move_out.html",
        {"household": current, "member": member, "form": form},
    )


def _tags_page(request, household: Household, target, kind: str):
    actor = request.user
    editable, derived = tag_choices(actor, household.street_id, kind)
    links = list(target.tag_links.all())
    current = {link.tag_id: link.level for link in links}
    # An empty POST (every box unticked) is still a submission.
    data = request.POST if request.method == "POST" else None
    form = TagsForm(data, tags=editable, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.tags_set(actor=actor, target=target, tag_levels=form.tag_levels())
        except InvalidInput as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Tags saved."))
            return _back(household)
    derived_ids = {t.pk for t in derived}
    return render(
        request,
        "registry/tags_form.html",
        {
            "household": household,
            "member": target if isinstance(target, Resident) else None,
            "form": form,
            "derived": [link for link in links if link.tag_id in derived_ids],
            "derived_tags": derived,
            "derived_names": "、".join(t.name for t in derived),
        },
    )


@login_required
def household_tags(request, pk: int):
    current = _editable_household(request.user, pk)
    return _tags_page(request, current, current, TagTarget.HOUSEHOLD)


@login_required
def member_tags(request, pk: int, resident_id: int):
    current = _editable_household(request.user, pk)
    return _tags_page(request, current, _member(current, resident_id), TagTarget.RESIDENT)


# --- search ------------------------------------------------------------------------------------


def _export_url(name: str, query: str) -> str | None:
    """The export page for the same filters, when that page is installed."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


@login_required
def search(request):
    """One box for name / last four phone digits / address / full ID number or phone,
    tag and node filters, 25 households a page.

    The form is POSTed so that a full ID number or phone never becomes part of a URL
    (address bar, history, server logs): such a search is answered directly, without
    paging or export links; any other search redirects to a shareable GET address.
    """
    actor = request.user
    if not perms.can(actor, rp.VIEW) or is_resident_view(actor):
        raise Http404
    street_ids = perms.streets(actor, rp.VIEW)
    tags = list(visible_tags(actor, street_ids))
    nodes = places.node_list(actor)
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET or None)
    form = SearchForm(data, nodes=nodes, tags=tags)
    exact = False
    if form.is_bound and not form.is_valid():
        # A filter the user may not use (or a bad value): say so rather than show everything.
        results = household_search(actor, HouseholdFilters()).none()
    else:
        cleaned = form.cleaned_data if form.is_bound else {}
        exact = is_exact_pii_query(cleaned.get("q", ""))
        if posted and not exact:
            params = request.POST.copy()
            params.pop("csrfmiddlewaretoken", None)
            return redirect(f"{reverse('registry:search')}?{params.urlencode()}")
        results = household_search(
            actor,
            HouseholdFilters(
                q=cleaned.get("q", ""),
                node_id=cleaned.get("node"),
                tag_ids=cleaned.get("tag", []),
                tenure=cleaned.get("tenure", ""),
            ),
        )
    page = Paginator(results, PAGE_SIZE).get_page(None if posted else request.GET.get("page"))
    start = (page.number - 1) * PAGE_SIZE
    stop = min(start + PAGE_SIZE, page.paginator.count)
    today = dt.date.today()
    # Each row links to its household file: reverse once for the page rather than once per
    # row (25 {% url %} tags were about a seventh of the page's rendering time).
    url_head, url_tail = reverse("registry:household", args=[0]).rsplit("0", 1)
    rows = [
        {
            "household": row.household,
            "url": f"{url_head}{row.household.pk}{url_tail}",
            "members": [
                {"name": m.name, "age": m.age_on(today), "phone": m.phone_masked}
                for m in row.members
            ],
            "tags": row.tags,
        }
        for row in household_page(actor, results, start, stop)
    ]
    query = ""
    if not exact:
        params = request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
    can_export = perms.can(actor, rp.EXPORT) and not exact
    return render(
        request,
        "registry/search.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "exact": exact,
            "export_households": can_export and _export_url("registry:export_households", query),
            "export_residents": can_export and _export_url("registry:export_residents", query),
        },
    )


urlpatterns = [
    path("households/<int:pk>/", household, name="household"),
    path("households/<int:pk>/reveal/", household_reveal, name="household_reveal"),
    path("households/<int:pk>/edit/", household_edit, name="household_edit"),
    path("households/<int:pk>/tags/", household_tags, name="household_tags"),
    path("households/<int:pk>/members/add/", member_add, name="member_add"),
    path("households/<int:pk>/members/<int:resident_id>/edit/", member_edit, name="member_edit"),
    path("households/<int:pk>/members/<int:resident_id>/tags/", member_tags, name="member_tags"),
    path(
        "households/<int:pk>/members/<int:resident_id>/move-out/",
        member_move_out,
        name="member_move_out",
    ),
    path("search/", search, name="search"),
]
