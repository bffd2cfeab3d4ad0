import pytest

from linli.accounts.models import User
from linli.core.models import AuditEvent
from linli.grids.models import Role, StaffAssignment
from linli.testing import english

pytestmark = pytest.mark.django_db


def test_street_admin_grants_a_new_grid_worker(login, world):
    client = login(world.admin)
    response = client.post(
        "/people/",
        {
            "username": "newworker",
            "display_name": "新网格员",
            "password": "Grid-worker-2026",
            "role": Role.GRID_WORKER,
            "node": world.grid_a2.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newworker")
    assert StaffAssignment.objects.filter(
        user=user, role=Role.GRID_WORKER, node=world.grid_a2
    ).exists()
    assert AuditEvent.objects.filter(verb="grant").count() == 1


def test_weak_password_creates_nothing(login, world):
    client = login(world.admin)
    response = english(client).post(
        "/people/",
        {
            "username": "weak",
            "password": "123",
            "role": Role.GRID_WORKER,
            "node": world.grid_a2.pk,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="weak").exists()


def test_cannot_grant_on_another_street(login, world):
    client = login(world.admin)
    before = StaffAssignment.objects.count()
    response = client.post(
        "/people/",
        {
            "username": "grid_a1",
            "role": Role.GRID_WORKER,
            "node": world.grid_t1.pk,
        },
    )
    assert response.status_code == 200  # the node is not a valid choice for this admin
    assert StaffAssignment.objects.count() == before


def test_unit_staff_needs_a_unit(login, world):
    client = login(world.admin)
    before = StaffAssignment.objects.count()
    client.post(
        "/people/", {"username": "grid_a1", "role": Role.UNIT_STAFF, "node": world.street.pk}
    )
    assert StaffAssignment.objects.count() == before
    client.post(
        "/people/",
        {
            "username": "grid_a1",
            "role": Role.UNIT_STAFF,
            "node": world.street.pk,
            "unit": world.police.pk,
        },
    )
    assert StaffAssignment.objects.count() == before + 1


@pytest.mark.parametrize("who", ["cadre", "grid_a1_worker", "property", "resident_user", "nobody"])
def test_only_street_admins_manage_roles(login, world, who):
    client = login(getattr(world, who))
    before = StaffAssignment.objects.count()
    assert client.get("/people/").status_code == 404
    assert (
        client.post(
            "/people/", {"username": "x", "role": Role.STREET_ADMIN, "node": world.street.pk}
        ).status_code
        == 404
    )
    some = StaffAssignment.objects.first()
    assert client.post(f"/people/{some.pk}/remove/").status_code == 404
    assert StaffAssignment.objects.count() == before


def test_remove_role_and_not_own_admin_role(login, world):
    client = login(world.admin)
    grant = StaffAssignment.objects.get(user=world.grid_a1_worker)
    client.post(f"/people/{grant.pk}/remove/")
    assert not StaffAssignment.objects.filter(pk=grant.pk).exists()
    own = StaffAssignment.objects.get(user=world.admin)
    client.post(f"/people/{own.pk}/remove/")
    assert StaffAssignment.objects.filter(pk=own.pk).exists()


def test_other_street_admin_cannot_remove_our_grants(login, world):
    client = login(world.other_admin)
    grant = StaffAssignment.objects.get(user=world.grid_a1_worker)
    assert client.post(f"/people/{grant.pk}/remove/").status_code == 404
    assert StaffAssignment.objects.filter(pk=grant.pk).exists()


def test_people_page_filters_by_name_and_role_within_scope(login, world):
    client = login(world.admin)
    everyone = english(client).get("/people/").context["page"].paginator.count
    assert (
        everyone == StaffAssignment.objects.filter(node__path__startswith=world.street.path).count()
    )

    leaders = client.get("/people/", {"role": Role.GRID_WORKER}).context["page"]
    assert leaders.paginator.count > 0
    assert {a.role for a in leaders} == {Role.GRID_WORKER}

    name = world.grid_a1_worker.display_name
    found = client.get("/people/", {"q": name}).context["page"]
    assert world.grid_a1_worker in {a.user for a in found}
    assert all(name in str(a.user) or name in a.node.name for a in found)

    # Another street's people never match, whatever the words.
    other = StaffAssignment.objects.exclude(node__path__startswith=world.street.path).first()
    assert other is not None
    page = client.get("/people/", {"q": other.user.username}).context["page"]
    assert other not in list(page)

    bogus = client.get("/people/", {"role": "emperor"}).context["page"]
    assert bogus.paginator.count == everyone  # an unknown role is ignored, not an error


def test_people_page_pages_fifty_at_a_time(login, world):
    from linli.grids.views import PAGE_SIZE

    for i in range(PAGE_SIZE + 1):
        user = User.objects.create_user(username=f"v{i:03d}", password="Volunteer-2026-x")
        StaffAssignment.objects.create(
            street=world.street, user=user, role=Role.VOLUNTEER, node=world.grid_a1
        )
    client = login(world.admin)
    first = client.get("/people/", {"role": Role.VOLUNTEER})
    assert len(first.context["page"]) == PAGE_SIZE
    assert b"role=volunteer&amp;page=2" in first.content
    second = client.get("/people/", {"role": Role.VOLUNTEER, "page": 2}).context["page"]
    assert len(second) == second.paginator.count - PAGE_SIZE
