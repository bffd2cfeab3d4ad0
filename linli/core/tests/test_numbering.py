import pytest

from linli.core.numbering import next_number

pytestmark = pytest.mark.django_db


def test_numbers_count_per_street_and_key(world):
    assert [next_number(world.street.pk, "wo") for _ in range(3)] == [1, 2, 3]
    assert next_number(world.street_t.pk, "wo") == 1
    assert next_number(world.street.pk, "notice") == 1
