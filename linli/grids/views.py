"""People and roles: who holds which role on which node (street administrators only);
oversight: the personal-data access log and the change history (holders of audit.view)."""

import os
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts import services as account_services
from linli.accounts.models import User
from linli.core.db import reading_from_replica
from linli.core.errors import InvalidInput

from . import oversight, selectors, services
from . import permissions as perms
from .forms import AssignmentForm, OversightFilterForm
from .models import Role

PAGE_SIZE = 50


@login_required
def assignments(request):
    perms.require(request.user, perms.ROLES_MANAGE)
    form = AssignmentForm(
        request.POST or None,
        nodes=selectors.nodes_managed(request.user),
        units=selectors.units_managed(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = form.existing_user() or services.user_create(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                password=data["password"],
            )
            services.assignment_add(
                actor=request.user,
                user=user,
                role=data["role"],
                node=data["node"],
                unit=data["unit"],
            )
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Role granted."))
            return redirect("grids:assignments")
    q = request.GET.get("q", "").strip()[:60]
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    rows = selectors.assignments_managed(request.user, q=q, role=role)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", q), ("role", role)) if v})
    return render(
        request,
        "grids/assignments.html",
        {"page": page, "form": form, "q": q, "role": role, "roles": Role.choices, "query": query},
    )


@login_required
@require_POST
def assignment_remove(request, pk: int):
    assignment = selectors.assignment_get(request.user, pk)
    try:
        services.assignment_remove(actor=request.user, assignment=assignment)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role removed."))
    return redirect("grids:assignments")


@login_required
@require_POST
def second_factor_reset(request, pk: int):
    """Remove a staff member's authenticator and recovery codes (lost phone): they set
    them up again at their next login. Street administrators, for their street only."""
    person = get_object_or_404(User, pk=pk)
    try:
        account_services.second_factor_reset(actor=request.user, user=person)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Two-step verification of %(user)s reset: they set it up again at their next login.")
            % {"user": person},
        )
    return redirect("grids:assignments")


# --- oversight (等保): 个人信息查看记录 and 操作记录 --------------------------------------------

OVERSIGHT = {
    "pii": {
        "rows": oversight.pii_accesses,
        "lines": oversight.pii_lines,
        "export": oversight.pii_export,
        "page": "grids:pii_log",
        "export_url": "grids:pii_log_export",
    },
    "audit": {
        "rows": oversight.audit_events,
        "lines": oversight.audit_lines,
        "export": oversight.audit_export,
        "page": "grids:change_log",
        "export_url": "grids:change_log_export",
    },
}


def _require_oversight(actor) -> None:
    if not oversight.may_oversee(actor):
        raise Http404


def _query(form: OversightFilterForm) -> dict[str, str]:
    """The filters as typed, for the pager links and the export form."""
    return {
        name: str(form.data.get(name, "")).strip()
        for name in form.fields
        if str(form.data.get(name, "")).strip()
    }


def _oversight_page(request, kind: str):
    actor = request.user
    _require_oversight(actor)
    spec = OVERSIGHT[kind]
    form = OversightFilterForm(request.GET, kind=kind)
    status = 200
    if form.is_valid():
        rows = spec["rows"](actor, form.filters())
    else:
        rows, status = [], 400
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(form) if form.is_bound and status == 200 else {}
    return render(
        request,
        "grids/oversight.html",
        {
            "kind": kind,
            "form": form,
            "page": page,
            "lines": spec["lines"](actor, list(page)),
            "query": urlencode(query),
            "export_fields": query,
            "export_url": reverse(spec["export_url"]),
        },
        status=status,
    )


def _oversight_export(request, kind: str):
    actor = request.user
    _require_oversight(actor)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    spec = OVERSIGHT[kind]
    form = OversightFilterForm(request.POST, kind=kind)
    if not form.is_valid():
        return redirect(spec["page"])
    try:
        export = spec["export"](actor, form.filters())
    except oversight.TooManyRows as exc:
        messages.error(
            request,
            _("%(count)d rows match: more than %(max)d. Choose a shorter period or a person.")
            % {"count": exc.args[0], "max": oversight.EXPORT_MAX_ROWS},
        )
        return redirect(f"{reverse(spec['page'])}?{urlencode(_query(form))}")
    handle = open(export.path, "rb")  # noqa: SIM115 - FileResponse closes it
    os.unlink(export.path)  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=export.filename)


@login_required
def pii_log(request):
    return _oversight_page(request, "pii")


@login_required
@reading_from_replica()
def pii_log_export(request):
    return _oversight_export(request, "pii")


@login_required
def change_log(request):
    return _oversight_page(request, "audit")


@login_required
@reading_from_replica()
def change_log_export(request):
    return _oversight_export(request, "audit")


@login_required
def change_detail(request, pk: int):
    actor = request.user
    _require_oversight(actor)
    event = oversight.audit_event_get(actor, pk)
    [line] = oversight.audit_lines(actor, [event])
    return render(
        request,
        "grids/change_detail.html",
        {"line": line, "event": event, "changes": oversight.change_lines(event)},
    )


@login_required
def jobs_page(request):
    """后台任务: each scheduled job, when it last ran, what it did, any error, when it runs
    next, and its recent runs (street administrators)."""
    perms.require(request.user, perms.JOBS_VIEW)
    return render(request, "grids/jobs.html", {"jobs": oversight.job_rows(), "kind": "jobs"})


urlpatterns = [
    path("people/", assignments, name="assignments"),
    path("people/<int:pk>/remove/", assignment_remove, name="assignment_remove"),
    path("people/user/<int:pk>/reset-two-step/", second_factor_reset, name="second_factor_reset"),
    path("oversight/pii/", pii_log, name="pii_log"),
    path("oversight/pii/export/", pii_log_export, name="pii_log_export"),
    path("oversight/changes/", change_log, name="change_log"),
    path("oversight/changes/export/", change_log_export, name="change_log_export"),
    path("oversight/changes/<int:pk>/", change_detail, name="change_detail"),
    path("oversight/jobs/", jobs_page, name="jobs"),
]
