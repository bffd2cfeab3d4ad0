"""Forms that wait for a signal: the server's side of ``core/offline.js`` (docs/offline.md).

A page opts a form in with ``<form data-offline="what it is">`` and a ``QueuedForm``
(``core.forms``). The script keeps the form and its photos on the phone (IndexedDB) and
sends them when there is a connection; the service worker (``/sw.js``) lets the page open
again with no signal. Here:

* ``service_worker``: the worker's script at the site's root, so its scope covers every
  page; never cached by the browser, so a new version is taken at the next visit;
* ``queue``: the page listing what waits on this phone (the script fills it in);
* ``QueueAnswerMiddleware``: a post sent by the queue (header ``X-Linli-Queue: 1``) is
  answered in JSON instead of a redirect, so the script knows for sure what became of it:
  ``{"location": ...}`` (done: the record leaves the phone; the page's own messages wait
  for the next page shown), ``{"error": ...}`` (refused with the page's own message in
  Chinese: the record stays, shown with it) or 401 (logged out: it stays). Any other
  answer (a form shown again with its errors, a server error) leaves the record on the
  phone too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

QUEUE_HEADER = "X-Linli-Queue"
CACHE_NAME = "linli-offline-v1"  # a new shape of what is cached gets a new name


def service_worker(request) -> HttpResponse:
    response = render(
        request, "core/sw.js", {"cache_name": CACHE_NAME}, content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def queue(request) -> HttpResponse:
    return render(request, "core/offline.html")


class QueueAnswerMiddleware:
    """After ``MessageMiddleware`` in ``MIDDLEWARE``, so the messages a view added are
    still to be read when its answer passes here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "POST" or request.headers.get(QUEUE_HEADER) != "1":
            return response
        if response.status_code not in (301, 302, 303, 307, 308):
            return response  # the script reads the page's own messages
        if not request.user.is_authenticated:
            return JsonResponse(
                {"error": _("You were logged out. Log in again, then send it.")}, status=401
            )
        errors = _take_errors(request)
        if errors:
            return JsonResponse({"error": " ".join(errors)}, status=400)
        return JsonResponse({"location": response["Location"]})


def _take_errors(request) -> list[str]:
    """The error messages the view added, taken off the page; the others stay for the
    next page shown."""
    kept = list(messages.get_messages(request))  # read: all are taken ...
    for m in kept:
        if m.level < messages.ERROR:  # ... and the others put back
            messages.add_message(request, m.level, m.message, extra_tags=m.extra_tags)
    return [str(m.message) for m in kept if m.level >= messages.ERROR]
