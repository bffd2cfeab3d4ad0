"""Chinese first: pages ignore the browser's Accept-Language and follow the language picker
(the language cookie); the API, which serves programs, honours Accept-Language."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

ENGLISH_PHONE = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode()).group(1)


def test_an_english_browser_gets_the_chinese_login_page(client):
    response = client.get("/accounts/login/", **ENGLISH_PHONE)
    assert heading(response) == "登录"
    assert '<html lang="zh-hans">' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "Accept-Language" not in response.get("Vary", "")


def test_the_picker_sets_the_language_and_it_sticks(client):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, **ENGLISH_PHONE
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert heading(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")) == "Log in"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert heading(client.get("/accounts/login/", **ENGLISH_PHONE)) == "登录"


def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert heading(client.get("/accounts/login/", **ENGLISH_PHONE)) == "登录"


def test_the_picker_is_in_the_footer_naming_each_language_in_itself(world, login):
    html = login(world.resident_user).get("/").content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    footer = html[html.index("<footer") : html.index("</footer>")]
    assert "set_language" not in header and "/i18n/setlang/" not in header
    assert 'action="/i18n/setlang/"' in footer
    assert re.search(r'lang="zh-hans"[^>]*aria-pressed="true">简体中文</button>', footer)
    assert re.search(r'lang="en"[^>]*aria-pressed="false">English</button>', footer)


def test_the_api_follows_accept_language(client):
    def message(**headers):
        response = client.post(
            "/api/v1/auth/token",
            {"username": "nobody-here", "password": "wrong-password"},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 401
        return response.json()["message"]

    assert message(HTTP_ACCEPT_LANGUAGE="en") == "Wrong username or password."
    assert message() == "用户名或密码错误。"
