from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    # Under /accounts/second-step/: the pages SecondStepMiddleware leaves open.
    path("second-step/", views.second_step_view, name="second_step"),
    path("second-step/set-up/", views.enrol_view, name="enrol"),
]
