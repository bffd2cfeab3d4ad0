"""Friendly error pages: Chinese first, large type, a way home, and never Django's debug
page with its list of every URL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Text of Django's technical 404/500 pages and URL prefixes of this site: none may show.
DEBUG_MARKERS = ["URLconf", "Using the URLconf", "Traceback", "DEBUG = True", "Request Method"]
SITE_PREFIXES = ["accounts/", "admin/", "api/v1", "workorders/", "open311", "i18n/", "healthz"]


def assert_friendly(response, status: int, heading: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert heading in html
    assert 'href="/"' in html  # the way home
    assert "返回首页" in html
    for marker in DEBUG_MARKERS + SITE_PREFIXES:
        assert marker not in html, marker
    return html


def test_unknown_address_is_a_chinese_404_listing_no_urls(client):
    html = assert_friendly(client.get("/no-such-page/"), 404, "找不到这个页面")
    assert 'body class="resident error-page"' in html


def test_logged_in_404_looks_the_same(world, login):
    response = login(world.grid_a1_worker).get("/workorders/999999/")
    assert_friendly(response, 404, "找不到这个页面")


def test_resident_opening_someone_elses_household_gets_the_friendly_404(world, login):
    """Not yours looks like not found; nothing of the other household shows."""
    client = login(world.resident_user)
    response = client.get(reverse("registry:household", args=[world.hh_a1b.pk]))
    html = assert_friendly(response, 404, "找不到这个页面")
    assert "李强" not in html and "陈芳" not in html and "302" not in html


def test_english_when_the_user_chose_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"Back to the home page" in response.content


@pytest.mark.urls("linli.core.tests.error_urls")
def test_403_400_and_500_pages(client):
    client.raise_request_exception = False
    assert_friendly(client.get("/fail/403/"), 403, "不能打开这个页面")
    assert_friendly(client.get("/fail/400/"), 400, "请求有误")
    html = assert_friendly(client.get("/fail/500/"), 500, "系统出了点问题")
    assert "a bug" not in html and "RuntimeError" not in html


def test_expired_form_is_a_friendly_403(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "admin", "password": "x"})
    assert_friendly(response, 403, "页面已过期")


ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
css = client.get("/static/core/linli.css")
missing = client.get("/no-such-page/")
print(settings.DEBUG, css.status_code, missing.status_code, "URLconf" in missing.content.decode())
"""


def _local_settings(tmp_path, **env) -> list[str]:
    """Run the probe under config.settings.local (the demo's settings) in a fresh process."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_"))}
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local", LINLI_VAR_DIR=str(tmp_path), **env
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


def test_the_demo_settings_run_without_debug_and_still_serve_static_files(tmp_path):
    debug, css, missing, lists_urls = _local_settings(tmp_path)
    assert (debug, css, missing, lists_urls) == ("False", "200", "404", "False")


def test_developers_opt_in_to_debug(tmp_path):
    debug, css, missing, lists_urls = _local_settings(tmp_path, LINLI_DEBUG="1")
    assert (debug, css, missing, lists_urls) == ("True", "200", "404", "True")
