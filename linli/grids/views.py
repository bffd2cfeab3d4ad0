"""People and roles: who holds which role on which node (street administrators only)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput

from . import permissions as perms
from . import selectors, services
from .forms import AssignmentForm
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


urlpatterns = [
    path("people/", assignments, name="assignments"),
    path("people/<int:pk>/remove/", assignment_remove, name="assignment_remove"),
]
