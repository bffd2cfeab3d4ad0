"""Excel ledgers: the import wizard (upload → preview → commit → result), the blank
template, and .xlsx exports of the registry lists.

The preview and the commit run in the worker; the job's page shows their progress and
reloads itself while the job runs (the import page links to the actor's latest jobs).

Import pages are for holders of ``registry.import`` only (404 for everyone else).
Exports take the search page's query string (q, node, tag repeated, tenure) and are built
by the worker too (``ledger.export_jobs``): asking for one shows its job page, which offers
the file when it is made. They are masked, unless the viewer holds ``view_pii`` and gives a
reason (each download of such a file is logged).
"""

from __future__ import annotations

import io
import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core.errors import LinliError
from linli.grids import permissions as perms
from linli.registry import permissions as rp

from ..ledger.export import ExportFile, template_file
from ..ledger.export_jobs import (
    ExportRunning,
    export_download,
    export_job_get,
    export_jobs_recent,
    export_start,
)
from ..ledger.services import (
    import_job_get,
    import_jobs_recent,
    import_streets,
    ledger_commit_start,
    ledger_upload,
)
from ..models import ExportKind, ImportStatus, Tenure
from ..selectors.households import HouseholdFilters


class UploadForm(forms.Form):
    street = forms.TypedChoiceField(label=gettext_lazy("Street"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("Ledger file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].choices = [(s.pk, s.name) for s in streets]
        if len(streets) == 1:
            self.fields["street"].initial = streets[0].pk
            self.fields["street"].widget = forms.HiddenInput()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_response(export: ExportFile) -> FileResponse:
    handle = open(export.path, "rb")  # noqa: SIM115 - FileResponse closes it
    os.unlink(export.path)  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=export.filename, content_type=XLSX)


# --- import ----------------------------------------------------------------------------------


@login_required
def import_start(request):
    perms.require(request.user, rp.IMPORT)
    streets = import_streets(request.user)
    if not streets:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None, streets=streets)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = ledger_upload(
                actor=request.user,
                street_id=form.cleaned_data["street"],
                upload=upload,
                filename=upload.name,
            )
        except LinliError as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            return redirect("registry:import_job", pk=job.pk)
    return render(
        request,
        "registry/ledger/import.html",
        {
            "form": form,
            "max_mb": settings.LINLI_IMPORT_MAX_BYTES // (1024 * 1024),
            "recent": import_jobs_recent(request.user),
        },
        status=400 if status == 200 and form.errors else status,
    )


@login_required
def import_job(request, pk: int):
    job = import_job_get(request.user, pk)
    counts = job.counts or {}
    return render(
        request,
        "registry/ledger/job.html",
        {
            "job": job,
            "counts": counts,
            "can_commit": job.status == ImportStatus.PREVIEWED and not job.running,
            "committed": job.status == ImportStatus.COMMITTED,
            "errors_total": counts.get("errors_total", len(job.errors)),
        },
    )


@login_required
@require_POST
def import_commit(request, pk: int):
    try:
        job = ledger_commit_start(
            actor=request.user, job_id=pk, sha256=request.POST.get("sha256", "")
        )
    except LinliError as exc:
        messages.error(request, exc.message)
        return redirect("registry:import_job", pk=pk)
    job.refresh_from_db()  # the worker may have finished it already
    if job.status == ImportStatus.COMMITTED:
        messages.success(request, _("The ledger was imported."))
    elif job.status == ImportStatus.REJECTED:
        messages.error(request, _("The registry changed since the preview; nothing was saved."))
    elif job.failure:
        messages.error(request, job.failure)
    return redirect("registry:import_job", pk=pk)


@login_required
def import_template(request):
    perms.require(request.user, rp.IMPORT)
    return _file_response(template_file())


# --- export ----------------------------------------------------------------------------------


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def filters_from_query(params) -> HouseholdFilters:
    """The search page's query string as household filters (bad values are ignored)."""
    tenure = params.get("tenure", "")
    return HouseholdFilters(
        q=params.get("q", "")[:100],
        node_id=_int(params.get("node")),
        tag_ids=[t for t in (_int(v) for v in params.getlist("tag")) if t is not None],
        tenure=tenure if tenure in Tenure.values else "",
    )


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need the full ID numbers and phones?"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


EXPORT_TITLES = {
    ExportKind.HOUSEHOLDS: gettext_lazy("Export households (.xlsx)"),
    ExportKind.RESIDENTS: gettext_lazy("Export residents (.xlsx)"),
    ExportKind.COMPOUNDS: gettext_lazy("Export compounds (.xlsx)"),
}


def _export(request, kind: str):
    """GET: what is exported, and a button; ``?unmask=1``: the reason form instead.
    POST: the export is asked of the worker (masked, or unmasked with a reason) and its
    page shown; while another of the actor's exports runs, that one is shown instead."""
    user = request.user
    perms.require(user, rp.EXPORT)
    params = request.GET
    unmask = params.get("unmask") == "1"
    may_unmask = kind != ExportKind.COMPOUNDS and perms.can(user, perms.VIEW_PII)
    if unmask and not may_unmask:
        raise Http404
    form = UnmaskForm(request.POST or None) if unmask else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            job = export_start(
                actor=user,
                kind=kind,
                filters=filters_from_query(params),
                reason=form.cleaned_data["reason"] if form else None,
            )
        except ExportRunning as exc:
            messages.error(request, exc.message)
            return redirect("registry:export_job", pk=exc.job.pk)
        except LinliError as exc:  # the reason refused
            if form is None:
                raise
            form.add_error("reason", exc.message)
        else:
            return redirect("registry:export_job", pk=job.pk)
    query = params.copy()
    query.pop("unmask", None)
    return render(
        request,
        "registry/ledger/export_start.html",
        {
            "form": form,
            "title": EXPORT_TITLES[ExportKind(kind)],
            "query": query.urlencode(),
            "may_unmask": may_unmask,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def export_households(request):
    return _export(request, ExportKind.HOUSEHOLDS)


@login_required
def export_residents(request):
    return _export(request, ExportKind.RESIDENTS)


@login_required
def export_compounds(request):
    return _export(request, ExportKind.COMPOUNDS)


@login_required
def export_list(request):
    """The actor's latest exports, and buttons for the whole of their scope."""
    return render(
        request,
        "registry/ledger/exports.html",
        {
            "recent": export_jobs_recent(request.user),
            "titles": EXPORT_TITLES,
            "keep_hours": settings.LINLI_EXPORT_KEEP_HOURS,
        },
    )


@login_required
def export_job(request, pk: int):
    return render(
        request, "registry/ledger/export_job.html", {"job": export_job_get(request.user, pk)}
    )


@login_required
def export_file(request, pk: int):
    job, data = export_download(request.user, pk)
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=job.filename, content_type=XLSX
    )
    response["Cache-Control"] = "private, no-store"  # personal data: no copy kept on the way
    return response


urlpatterns = [
    path("ledger/import/", import_start, name="import"),
    path("ledger/import/template.xlsx", import_template, name="import_template"),
    path("ledger/import/<int:pk>/", import_job, name="import_job"),
    path("ledger/import/<int:pk>/commit/", import_commit, name="import_commit"),
    path("ledger/export/", export_list, name="exports"),
    path("ledger/export/households/", export_households, name="export_households"),
    path("ledger/export/residents/", export_residents, name="export_residents"),
    path("ledger/export/compounds/", export_compounds, name="export_compounds"),
    path("ledger/export/<int:pk>/", export_job, name="export_job"),
    path("ledger/export/<int:pk>/file/", export_file, name="export_file"),
]
