"""The demo refuses to load over users it would create, and writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from linli.accounts.models import User
from linli.demo.builders import demo_street
from linli.grids.models import GridNode
from linli.registry.models import Household


@pytest.mark.parametrize("username", ["admin", "louzu001"])
def test_taken_username_stops_the_demo_before_any_write(db, username):
    User.objects.create(username=username)
    with translation.override("en"), pytest.raises(CommandError, match="already taken"):
        call_command("demo", stdout=io.StringIO())
    assert demo_street() is None
    assert GridNode.objects.count() == 0
    assert Household.objects.count() == 0
    assert User.objects.count() == 1
