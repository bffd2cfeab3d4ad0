"""A URLconf for the phone queue's tests: the site's own URLs plus views that answer a post
the ways the site's views do (a redirect with a message, a redirect with an error, a form
shown again with its errors)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path

from config.urls import urlpatterns as site


@login_required
def _done(request):
    messages.success(request, "saved-ok")
    return redirect("/probe/messages/")


@login_required
def _refused(request):
    messages.info(request, "note-kept")
    messages.error(request, "refused-why")
    return redirect("/probe/messages/")


@login_required
def _form_again(request):
    return HttpResponse('<main><p class="field-error">fix-this</p></main>', status=400)


def _messages(request):
    return HttpResponse(" ".join(str(m) for m in messages.get_messages(request)))


urlpatterns = [
    path("probe/done/", _done),
    path("probe/refused/", _refused),
    path("probe/form-again/", _form_again),
    path("probe/messages/", _messages),
    *site,
]
