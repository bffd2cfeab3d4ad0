from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from linli.core.errors import InvalidInput

from . import services
from .forms import LoginForm
from .middleware import SECOND_STEP_KEY, second_step_done
from .services import LoginRefused, login_attempt


def _asked_next(request) -> str:
    """The ``next`` asked for, if it is on this site; else empty."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return ""
    return target


def _next(request) -> str:
    """Where to go once logged in."""
    return _asked_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request) -> str:
    """The second-step page ``name``, carrying the ``next`` asked for at login."""
    target = _asked_next(request)
    return reverse(name) + (f"?{urlencode({'next': target})}" if target else "")


def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except LoginRefused as exc:
            error = str(exc)
        else:
            login(request, user)
            step = services.second_step(user)
            if step is None:
                second_step_done(request)
                return redirect(_next(request))
            name = "accounts:enrol" if step == services.ENROL else "accounts:second_step"
            return redirect(_with_next(name, request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "relaxed": not settings.LINLI_REQUIRE_2FA},
        status=400 if error else 200,
    )


def _refused(request, exc: LoginRefused, template: str, context: dict):
    """A wrong code: say so; when it locked the account, end the half-done login."""
    request.user.refresh_from_db(fields=["locked_until"])
    if request.user.is_locked:
        logout(request)
        messages.error(request, str(exc))
        return redirect("accounts:login")
    return render(request, template, {**context, "error": str(exc)}, status=400)


@login_required
def second_step_view(request):
    """The second step of the login: a code from the authenticator, or a recovery code."""
    if request.session.get(SECOND_STEP_KEY) == request.user.pk:
        return redirect(_next(request))
    if services.second_step(request.user) == services.ENROL:
        return redirect(_with_next("accounts:enrol", request))
    context = {"next": _asked_next(request)}
    if request.method == "POST":
        try:
            device = services.second_factor_verify(
                user=request.user, code=request.POST.get("code", "")
            )
        except InvalidInput as exc:
            return render(
                request, "accounts/second_step.html", {**context, "error": exc.message}, status=400
            )
        except LoginRefused as exc:
            return _refused(request, exc, "accounts/second_step.html", context)
        request.session.cycle_key()
        django_otp.login(request, device)
        second_step_done(request)
        if isinstance(device, StaticDevice):
            left = services.recovery_codes_left(request.user)
            messages.warning(
                request,
                _("A recovery code was used and is now spent; %(n)d left.") % {"n": left},
            )
        return redirect(_next(request))
    return render(request, "accounts/second_step.html", context)


def _qr_svg(url: str) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here: no outside service)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def enrol_view(request):
    """Set up the authenticator: scan the QR code (or type the secret), confirm with one
    code, then see the ten recovery codes once. Required users arrive here after the
    password; anyone else may come here to opt in."""
    if services.is_enrolled(request.user):
        return render(
            request,
            "accounts/enrolled.html",
            {"left": services.recovery_codes_left(request.user)},
        )
    device = services.enrolment_device(user=request.user)
    secret = b32encode(device.bin_key).decode()
    context = {
        "qr": mark_safe(_qr_svg(device.config_url)),  # SVG drawn here from our own data
        "secret": _grouped(secret),
        "next": _asked_next(request),
    }
    if request.method == "POST":
        try:
            codes = services.enrolment_confirm(user=request.user, code=request.POST.get("code", ""))
        except InvalidInput as exc:
            return render(request, "accounts/enrol.html", {**context, "error": exc.message}, 400)
        except LoginRefused as exc:
            return _refused(request, exc, "accounts/enrol.html", context)
        request.session.cycle_key()
        second_step_done(request)
        return render(
            request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
        )
    return render(request, "accounts/enrol.html", context)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")
