"""Command-line options of the test suite (pytest reads them only from the root conftest)."""


def pytest_addoption(parser):
    parser.addoption(
        "--race-runs",
        type=int,
        default=1,
        help="run each test marked 'race' this many times, each with its own seed",
    )
