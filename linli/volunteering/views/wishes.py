"""Small wishes (微心愿): the list (staff: their area; helpers: open wishes and their own;
a resident: those for them), posting one for a resident, the wish's page with its steps,
and the street's public page (no login) that shows wishes without identifying anyone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import attempt
from linli.core.attachments import photo_response
from linli.core.errors import InvalidInput
from linli.grids import permissions as perms
from linli.grids.models import GridNode, NodeKind
from linli.registry.selectors.households import resident_list

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import WISH_ACTIONS
from ..models import WishStatus
from ..services.wishes import TAKEN_ALREADY
from .photos import shown_photo


@login_required
def wish_list(request):
    status = request.GET.get("status", "")
    status = status if status in WishStatus.values else ""
    rows = list(selectors.wishes(request.user, status=status)[:200])
    if (
        not rows
        and not perms.can(request.user, p.WISH_HELP)
        and not perms.can(request.user, p.WISHES)
    ):
        raise Http404
    return render(
        request,
        "volunteering/wishes.html",
        {
            "rows": rows,
            "status": status,
            "statuses": WishStatus.choices,
            "can_post": perms.can(request.user, p.WISHES),
        },
    )


@login_required
def wish_new(request):
    """Post a wish for a resident of one's area (picked by name or last four digits)."""
    actor = request.user
    perms.require(actor, p.WISHES)
    q = (request.GET.get("q") or "").strip()
    found = list(resident_list(actor, q)[:10]) if q else []
    resident = None
    resident_id = request.POST.get("resident") or request.GET.get("resident")
    if resident_id:
        resident = (
            resident_list(actor, "").filter(pk=resident_id).first()
            if str(resident_id).isdigit()
            else None
        )
        if resident is None:
            raise Http404
    form = f.WishForm(request.POST or None, initial={"resident": resident.pk} if resident else None)
    if request.method == "POST" and form.is_valid() and resident is not None:
        d = form.cleaned_data
        try:
            wish = services.wish_post(
                actor=actor, resident=resident, kind=d["kind"], public_text=d["public_text"],
                details=d["details"], idempotency_key=d["form_token"],
            )  # fmt: skip
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Wish %(number)s is published.") % {"number": wish.number})
            return redirect("volunteering:wish", pk=wish.pk)
    return render(
        request,
        "volunteering/wish_new.html",
        {"form": form, "q": q, "found": found, "resident": resident},
        status=400 if form.errors else 200,
    )


def _render_wish(request, detail, *, status=200, bound=None, open_form=""):
    forms = WISH_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "volunteering/wish.html",
        {
            "d": detail,
            "wish": detail.wish,
            "panels": [(WISH_ACTIONS.get(n), form) for n, form in forms.items()],
            "open_form": open_form,
        },
        status=status,
    )


@login_required
def wish(request, pk: int):
    return _render_wish(request, selectors.wish_detail(actor=request.user, pk=pk))


@login_required
def wish_photo(request, pk: int, photo_pk: int):
    """The photo of the wish come true, for those who see the wish's page."""
    detail = selectors.wish_detail(actor=request.user, pk=pk)
    return photo_response(shown_photo(detail, photo_pk).image)


@login_required
@require_POST
def wish_act(request, pk: int, name: str):
    try:
        detail = selectors.wish_detail(actor=request.user, pk=pk)
    except Http404:
        if name != "take" or not selectors.taken_by_someone_else(request.user, pk):
            raise
        messages.error(request, TAKEN_ALREADY)
        return redirect("volunteering:wishes")
    tried = attempt(WISH_ACTIONS, request.user, detail, name, request.POST, request.FILES)
    if tried.outcome is None:
        if tried.error:
            messages.error(request, tried.error)
        fresh = selectors.wish_detail(actor=request.user, pk=pk)
        return _render_wish(
            request, fresh, status=tried.status, bound=tried.bound, open_form=tried.open_form
        )
    messages.success(request, tried.outcome.message)
    return redirect("volunteering:wish", pk=pk)


def public_wishes(request, code: str):
    """A street's small wishes for everyone (no login): the published text, the grid, how
    far it has come, who took it up (their chosen public name). Nothing identifies the
    resident."""
    street = get_object_or_404(GridNode, code=code, kind=NodeKind.STREET)
    return render(
        request,
        "volunteering/public_wishes.html",
        {"street": street, "rows": list(selectors.public_wishes(street.pk)[:100])},
    )


urlpatterns = [
    path("wishes/", wish_list, name="wishes"),
    path("wishes/new/", wish_new, name="wish_new"),
    path("wishes/<int:pk>/", wish, name="wish"),
    path("wishes/<int:pk>/act/<slug:name>/", wish_act, name="wish_act"),
    path("wishes/<int:pk>/photos/<int:photo_pk>/", wish_photo, name="wish_photo"),
    path("public/<slug:code>/wishes/", public_wishes, name="public_wishes"),
]
