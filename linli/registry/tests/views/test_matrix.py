"""Every registry page for every role of the world: 200 where the role may look, 404
(the same answer as "missing") everywhere else."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["tree", "node", "compounds", "compound", "building", "household", "search"]
OK, NO = 200, 404
EXPECTED = {
    "admin": [OK, OK, OK, OK, OK, OK, OK],
    "other_admin": [OK, NO, OK, NO, NO, NO, OK],
    "cadre": [OK, OK, OK, OK, OK, OK, OK],
    "grid_a1_worker": [OK, OK, OK, OK, OK, OK, OK],
    "grid_b1_worker": [OK, NO, OK, NO, NO, NO, OK],
    "property": [NO, NO, OK, OK, OK, NO, NO],
    "leader": [NO, NO, OK, NO, OK, OK, OK],
    "volunteer": [NO, NO, NO, NO, NO, NO, NO],
    "resident_user": [NO, NO, NO, NO, NO, OK, NO],
    "nobody": [NO, NO, NO, NO, NO, NO, NO],
}


def urls(world):
    """The pages, each pointed at something in grid A1 (雨泉花园 1-1-301)."""
    return {
        "tree": reverse("registry:tree"),
        "node": reverse("registry:node", args=[world.grid_a1.pk]),
        "compounds": reverse("registry:compounds"),
        "compound": reverse("registry:compound", args=[world.compound_a1.pk]),
        "building": reverse("registry:building", args=[world.hh_a1.dwelling.entrance.building_id]),
        "household": reverse("registry:household", args=[world.hh_a1.pk]),
        "search": reverse("registry:search"),
    }


@pytest.mark.parametrize("who", list(EXPECTED))
def test_page_matrix(world, login, who):
    client = login(getattr(world, who))
    pages = urls(world)
    got = [client.get(pages[name]).status_code for name in PAGES]
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, EXPECTED[who], strict=True))


def test_other_street_admin_sees_their_own_household(world, login):
    client = login(world.other_admin)
    response = client.get(reverse("registry:household", args=[world.hh_t.pk]))
    assert response.status_code == 200
    assert "孙丽" in response.content.decode()
    tree = client.get(reverse("registry:tree")).content.decode()
    assert world.street_t.name in tree and world.street.name not in tree


def test_anonymous_users_are_sent_to_login(world, client):
    for url in urls(world).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
