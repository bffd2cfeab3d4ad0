import pytest
from django.db import transaction

from linli.core.notify import MemoryNotifier
from linli.testing.world import PASSWORD, build_world


@pytest.fixture(autouse=True, scope="session")
def _flush_past_truncate_guards():
    """Transactional tests end by emptying every table with TRUNCATE, which the
    append-only tables refuse on PostgreSQL. The test database's superuser empties them
    with triggers off for that one transaction (``session_replication_role``)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    guarded = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            guarded(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.execute_sql_flush = guarded  # type: ignore[method-assign]


@pytest.fixture
def world(db):
    """The canonical street/neighbourhood/grid/role world (see testing/world.py)."""
    return build_world()


@pytest.fixture
def login(client):
    """Log the test client in as a world user: ``login(world.grid_a1_worker)``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def outbox():
    """What the outside channel was handed (the test settings' notifier)."""
    MemoryNotifier.clear()
    yield MemoryNotifier.outbox
    MemoryNotifier.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Chinese), whatever language an
    earlier test's requests activated in this thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_generate_tests(metafunc):
    runs = metafunc.config.getoption("--race-runs")
    if runs > 1 and metafunc.definition.get_closest_marker("race"):
        metafunc.fixturenames.append("race_run")
        metafunc.parametrize("race_run", range(runs), ids=lambda n: f"run{n}")


@pytest.fixture(autouse=True)
def _race_seed(request, monkeypatch):
    """A repeated race run shuffles its crowd by its own seed (``linli.testing.races``)."""
    if request.node.get_closest_marker("race") is None:
        return
    from linli.testing.races import LAST

    callspec = getattr(request.node, "callspec", None)
    run = callspec.params.get("race_run", 0) if callspec else 0
    monkeypatch.setenv("LINLI_RACE_SEED", str(run))
    LAST.seed, LAST.finished = run, []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and item.get_closest_marker("race"):
        from linli.testing.races import LAST

        report.sections.append(
            ("race", f"seed {LAST.seed}; callers in the order they finished: {LAST.finished[:300]}")
        )
    return report
