from django.urls import path

from . import offline, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("sw.js", offline.service_worker, name="service_worker"),  # at the root: scope "/"
    path("offline/", offline.queue, name="offline"),
]
