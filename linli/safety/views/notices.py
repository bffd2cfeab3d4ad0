"""Hazards and rectification notices: the lists, a hazard's page (put right, dismiss), a new
notice for a site's open hazards, a notice's page (signed for, 回头看, suspension) and its
print page (A4, as it is handed over)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.actions import act_on_page
from linli.core.attachments import photo_response
from linli.core.errors import InvalidInput
from linli.core.paging import keyset_page
from linli.grids import permissions as perms

from .. import forms as f
from .. import permissions as p
from .. import selectors, services
from ..actions import HAZARD_ACTIONS, NOTICE_ACTIONS
from ..models import HazardStatus, NoticeStatus
from ..services import SiteRef


def _status(request, values) -> str:
    status = request.GET.get("status", "open")
    return status if status in values or status == "open" else "open"


@login_required
def hazard_list(request):
    perms.require(request.user, p.VIEW)
    status = _status(request, HazardStatus.values)
    page = keyset_page(
        selectors.hazards(request.user, status=status if status != "all" else ""),
        order=("-raised_at", "-id"),
        after=request.GET.get("after", ""),
    )
    return render(
        request,
        "safety/hazards.html",
        {
            "page": page,
            "rows": page.rows,
            "status": status,
            "statuses": HazardStatus.choices,
            "query": f"status={status}",
        },
    )


def _render_hazard(request, detail, *, status=200, bound=None, open_form=""):
    forms = HAZARD_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "safety/hazard.html",
        {
            "d": detail,
            "h": detail.hazard,
            "panels": [(HAZARD_ACTIONS.get(n), form) for n, form in forms.items()],
            "open_form": open_form,
            "can_notice": detail.hazard.status == HazardStatus.OPEN
            and perms.allows(request.user, p.NOTICES, detail.hazard),
        },
        status=status,
    )


@login_required
def hazard(request, pk: int):
    return _render_hazard(request, selectors.hazard_detail(actor=request.user, pk=pk))


@login_required
@require_POST
def hazard_act(request, pk: int, name: str):
    return act_on_page(
        request,
        HAZARD_ACTIONS,
        lambda: selectors.hazard_detail(actor=request.user, pk=pk),
        lambda detail, **kw: _render_hazard(request, detail, **kw),
        reverse("safety:hazard", args=[pk]),
    )


@login_required
def hazard_photo(request, pk: int, photo_pk: int):
    detail = selectors.hazard_detail(actor=request.user, pk=pk)
    photo = next((ph for ph in detail.photos if ph.pk == photo_pk), None)
    if photo is None:
        raise Http404
    return photo_response(photo.image)


@login_required
def notice_list(request):
    perms.require(request.user, p.VIEW)
    status = _status(request, NoticeStatus.values)
    page = keyset_page(
        selectors.notices(request.user, status=status if status != "all" else ""),
        order=("-issued_at", "-id"),
        after=request.GET.get("after", ""),
    )
    return render(
        request,
        "safety/notices.html",
        {
            "page": page,
            "rows": page.rows,
            "status": status,
            "statuses": NoticeStatus.choices,
            "query": f"status={status}",
        },
    )


@login_required
def notice_new(request, kind: str, pk: int):
    """A notice for the open hazards of one site (all ticked to begin with)."""
    actor = request.user
    record = selectors.site_record(actor=actor, kind=kind, pk=pk)
    services.require_reach(actor, p.NOTICES, record.site)
    open_hazards = [h for h in record.open_hazards if perms.allows(actor, p.NOTICES, h)]
    site = record.site
    wording = services.notice_settings(site.street_id)
    form = f.NoticeForm(
        request.POST or None,
        hazards=open_hazards,
        units=selectors.street_units([site.street_id], selectors.TEAM_KINDS),
        days=wording.days_to_rectify,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            notice = services.notice_issue(
                actor=actor,
                hazards=[form.hazard_rows[pk] for pk in d["hazards"]],
                responsible=d["responsible"],
                demand=d["demand"],
                deadline=d["deadline"],
                reinspect_on=d["reinspect_on"],
                units=[form.units[u] for u in d["units"]],
                idempotency_key=d["form_token"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Notice %(number)s issued: print it and hand it over.")
                % {"number": notice.number},
            )
            return redirect("safety:notice", pk=notice.pk)
    return render(
        request,
        "safety/notice_new.html",
        {"form": form, "site": site, "wording": wording, "has_hazards": bool(open_hazards)},
        status=400 if form.errors else 200,
    )


def _render_notice(request, detail, *, status=200, bound=None, open_form=""):
    forms = NOTICE_ACTIONS.forms_for(detail, bound=bound)
    return render(
        request,
        "safety/notice.html",
        {
            "d": detail,
            "n": detail.notice,
            "site": SiteRef.of(detail.notice),
            "panels": [(NOTICE_ACTIONS.get(n), form) for n, form in forms.items()],
            "open_form": open_form,
        },
        status=status,
    )


@login_required
def notice(request, pk: int):
    return _render_notice(request, selectors.notice_detail(actor=request.user, pk=pk))


@login_required
@require_POST
def notice_act(request, pk: int, name: str):
    return act_on_page(
        request,
        NOTICE_ACTIONS,
        lambda: selectors.notice_detail(actor=request.user, pk=pk),
        lambda detail, **kw: _render_notice(request, detail, **kw),
        reverse("safety:notice", args=[pk]),
    )


@login_required
def notice_print(request, pk: int):
    """The notice on A4 as it is handed over, with the receipt slip to sign."""
    detail = selectors.notice_detail(actor=request.user, pk=pk)
    return render(request, "safety/notice_print.html", selectors.notice_document(detail.notice))


@login_required
def notice_pdf(request, pk: int):
    """The PDF kept when the notice was issued (404 until the worker has made it)."""
    notice = selectors.notice_detail(actor=request.user, pk=pk).notice
    if not notice.archive:
        raise Http404
    return FileResponse(
        notice.archive.open("rb"), content_type="application/pdf",
        filename=f"notice-{notice.year}-{notice.serial:04d}.pdf",
    )  # fmt: skip


urlpatterns = [
    path("hazards/", hazard_list, name="hazards"),
    path("hazards/<int:pk>/", hazard, name="hazard"),
    path("hazards/<int:pk>/act/<slug:name>/", hazard_act, name="hazard_act"),
    path("hazards/<int:pk>/photos/<int:photo_pk>/", hazard_photo, name="hazard_photo"),
    path("notices/", notice_list, name="notices"),
    path("notices/new/<slug:kind>/<int:pk>/", notice_new, name="notice_new"),
    path("notices/<int:pk>/", notice, name="notice"),
    path("notices/<int:pk>/act/<slug:name>/", notice_act, name="notice_act"),
    path("notices/<int:pk>/print/", notice_print, name="notice_print"),
    path("notices/<int:pk>/notice.pdf", notice_pdf, name="notice_pdf"),
]
