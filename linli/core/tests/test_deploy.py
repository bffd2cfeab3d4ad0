"""The production settings pass Django's deployment checks with no warning, and the HTTPS
switches can be turned off for a TLS proxy that does the redirect itself."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

import pytest


def production_env(**extra: str) -> dict[str, str]:
    key = lambda: base64.urlsafe_b64encode(os.urandom(32)).decode()  # noqa: E731
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        LINLI_SECRET_KEY=secrets.token_urlsafe(50),
        LINLI_PII_KEY=key(),
        LINLI_BLIND_INDEX_KEY=key(),
        LINLI_ALLOWED_HOSTS="linli.example.gov.cn",
        **extra,
    )
    return env


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean():
    done = run(
        "import django;django.setup();from django.core.management import call_command;"
        "call_command('check', deploy=True, fail_level='WARNING')",
        production_env(),
    )
    assert done.returncode == 0, done.stderr + done.stdout


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({}, "True 31536000 True"),
        ({"LINLI_SSL_REDIRECT": "0", "LINLI_HSTS_SECONDS": "0"}, "False 0 True"),
        ({"LINLI_HSTS_PRELOAD": "0"}, "True 31536000 False"),
    ],
)
def test_https_switches(extra, expected):
    done = run(
        "import django;django.setup();from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)",
        production_env(**extra),
    )
    assert done.stdout.strip() == expected, done.stderr
