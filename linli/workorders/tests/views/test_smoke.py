import pytest
from django.urls import reverse

from linli.testing import english
from linli.workorders.tests.conftest import advance

pytestmark = pytest.mark.django_db


def test_pages_render(wo, login):
    o = wo.intake()
    advance(wo, o, "dispatched")
    c = login(wo.grid_a1_worker)
    for name, args in [
        ("queue", []),
        ("list", []),
        ("overdue", []),
        ("new", []),
        ("metrics", []),
        ("detail", [o.pk]),
        ("slip", [o.pk]),
    ]:
        r = english(c).get(reverse(f"workorders:{name}", args=args))
        assert r.status_code == 200, (name, r.content[:3000])
    c = login(wo.resident_user)
    for name, args in [("mine", []), ("resident_new", []), ("mine_detail", [o.pk])]:
        r = english(c).get(reverse(f"workorders:{name}", args=args))
        assert r.status_code == 200, (name, r.content[:3000])
