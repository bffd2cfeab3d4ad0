import pytest

from linli.core.notify import MemoryNotifier
from linli.testing.world import PASSWORD, build_world


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
