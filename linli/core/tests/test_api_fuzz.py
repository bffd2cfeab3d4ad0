"""The JSON API, fuzzed from its own OpenAPI document for a token of each role.

Schemathesis generates requests (valid ones, and ones the schema forbids) for every
operation at /api/v1/openapi.json; each goes, in-process over WSGI, once with each role's
bearer token. No answer may be a server error, and none may carry data from outside the
role's scope: records in the other street (``street_t``) and in another grid
(``grid_b1``) carry marker strings, and the body of every answer to a role that may not see
them is searched for those markers.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, strategies
from hypothesis import settings as hypothesis_settings
from schemathesis.core import NotSet
from schemathesis.generation import GenerationMode

from linli.accounts import services as accounts
from linli.registry.models import Resident
from linli.workorders import services as workorders
from linli.workorders.categories import ensure_default_categories
from linli.workorders.models import Channel

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 20
# Markers seeded out of every fuzzed role's scope, and those outside all but the street admin's.
OTHER_STREET = ("FuzzMarkStreetTResident", "FuzzMarkStreetTOrder")
OTHER_GRID = ("FuzzMarkGridB1Resident", "FuzzMarkGridB1Order")
ROLES = {
    "street_admin": ("admin", OTHER_STREET),
    "cadre": ("cadre", OTHER_STREET + OTHER_GRID),
    "grid_leader": ("grid_a1_worker", OTHER_STREET + OTHER_GRID),
    "unit_staff": ("property", OTHER_STREET + OTHER_GRID),
    "volunteer": ("volunteer", OTHER_STREET + OTHER_GRID),
    "resident": ("resident_user", OTHER_STREET + OTHER_GRID),
}


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, keeping the test's connection (and transaction) open across
    requests, as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def marked_world(world):
    """The world plus a resident and a request carrying markers in street T and grid B1;
    ``marked_ids`` are their ids and their households', tried on every ``{id}`` path."""
    world.marked_ids = set()
    for street, actor, household, resident, (name, description) in (
        (world.street_t, world.other_admin, world.hh_t, world.sun, OTHER_STREET),
        (world.street, world.grid_b1_worker, world.hh_b1, world.zhao, OTHER_GRID),
    ):
        Resident.objects.filter(pk=resident.pk).update(name=name)
        cats = ensure_default_categories(street)
        order = workorders.workorder_intake(
            actor=actor,
            channel=Channel.DESK,
            category=cats["leak"],
            description=description,
            dwelling=household.dwelling,
            reporter_name="来电居民",
            reporter_phone="13800001111",
        )
        world.marked_ids |= {resident.pk, household.pk, order.pk}
    return world


def _tokens(world) -> dict[str, str]:
    return {
        role: accounts.token_issue(user=getattr(world, attr))[0]
        for role, (attr, _hidden) in ROLES.items()
    }


def _fuzz(
    operation, world, tokens: dict[str, str], problems: list[str], answered: dict[str, int]
) -> None:
    """Up to MAX_EXAMPLES requests to one operation, each sent with every role's token."""
    label = f"{operation.method.upper()} {operation.path}"
    # Ending a token is tried with a fresh one each time, so the others stay valid.
    ends_token = label == "DELETE /api/v1/auth/token"
    generated = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if "{id}" in operation.path:
        generated += [
            operation.as_strategy(path_parameters={"id": pk}) for pk in sorted(world.marked_ids)
        ]
    cases = strategies.one_of(generated)

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case):
        for role, (attr, hidden) in ROLES.items():
            token = (
                accounts.token_issue(user=getattr(world, attr))[0] if ends_token else tokens[role]
            )
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            body = "" if isinstance(case.body, NotSet) else f" body={case.body!r:.200}"
            where = f"{label} as {role}: {case.formatted_path} query={case.query}{body}"
            if response.status_code < 300:
                answered[role] += 1
            if response.status_code >= 500:
                problems.append(f"{where} answered {response.status_code}")
            leaked = [marker for marker in hidden if marker in response.text]
            if leaked:
                problems.append(f"{where} shows {leaked}")

    fuzz()


def test_no_operation_errors_or_leaks_for_any_role(db, marked_world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    tokens = _tokens(marked_world)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    problems: list[str] = []
    answered = dict.fromkeys(ROLES, 0)
    for operation in operations:
        _fuzz(operation, marked_world, tokens, problems, answered)
    # Every role's token worked: each got some successful answers, not only refusals.
    assert all(answered.values()), answered
    assert not problems, "\n".join(sorted(set(problems))[:40])
