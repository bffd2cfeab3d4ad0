"""The Django admin speaks Chinese: site header and title, app names, model names and
the labels on every page of the registered models."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from linli.accounts.models import User
from linli.workorders.categories import ensure_default_categories
from linli.workorders.services import workorder_intake

CJK = re.compile(r"[\u4e00-\u9fff]")
# Words that stay as they are in Chinese too: proper names and the superuser's login.
ALLOWED = {"Open311", "GeoJSON", "root", "WebP", "HEIC", "JPEG", "PNG"}


def visible_words(html: str) -> set[str]:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    text = re.sub(r"\bWO-\d{4}-\d+", " ", text)  # work-order numbers are data
    return {w for w in re.findall(r"[A-Za-z][A-Za-z0-9_]+", text) if w not in ALLOWED}


def test_every_app_and_model_has_a_chinese_name():
    with translation.override("zh-hans"):
        for config in apps.get_app_configs():
            models = list(config.get_models())
            if not models or config.label == "testing":
                continue  # an app without models, or the tests' own, never shows in the admin
            assert CJK.search(str(config.verbose_name)), config.label
            for model in models:
                meta = model._meta
                assert CJK.search(str(meta.verbose_name)), meta.label
                assert CJK.search(str(meta.verbose_name_plural)), meta.label


def test_fields_of_registered_models_have_chinese_names():
    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            for field in model._meta.concrete_fields:
                shown = field.name in model_admin.get_readonly_fields(None) or (
                    field.editable and field.name not in (model_admin.exclude or ())
                )
                if shown and not field.auto_created:
                    assert CJK.search(str(field.verbose_name)), f"{model._meta.label}.{field.name}"


@pytest.mark.django_db
def test_admin_pages_are_chinese(world, client):
    cats = ensure_default_categories(world.street)
    workorder_intake(
        actor=world.grid_a1_worker,
        channel="desk",
        category=cats["public_lighting"],
        description="楼道灯不亮",
        compound=world.compound_a1,
        reporter_name="王阿姨",
        reporter_phone="13812345678",
    )
    root = User.objects.create(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    index = client.get("/admin/").content.decode()
    assert "邻里 管理后台" in index
    assert "Django" not in index
    pages = ["/admin/"]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model._default_manager.first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        if admin.site._registry[model].has_add_permission(type("R", (), {"user": root})()):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert visible_words(response.content.decode()) == set(), url
