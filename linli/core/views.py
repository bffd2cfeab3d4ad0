from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import notify


@require_GET
@never_cache
def healthz(request):
    """Liveness and database status for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = "ok"
    except Exception:
        db = "error"
    status = 200 if db == "ok" else 503
    return JsonResponse(
        {"status": "ok" if db == "ok" else "degraded", "database": db}, status=status
    )


@login_required
def home(request):
    return render(request, "core/home.html")


@login_required
def inbox(request):
    """站内信: the user's own messages, newest first."""
    page = Paginator(notify.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "core/inbox.html",
        {"page": page, "rows": list(page), "unread": notify.unread_count(request.user)},
    )


@login_required
@require_POST
def inbox_read(request):
    notify.mark_read(actor=request.user)
    return redirect("core:inbox")
