from django.apps import AppConfig


class TestingConfig(AppConfig):
    """Test helpers (the canonical world, the browser) and the small models the kit's own
    tests run on. Installed by the test settings only."""

    name = "linli.testing"
    label = "testing"
