"""Editing the household file through its pages: permission branches, validation
errors next to the field with nothing saved, and no duplicates on double submission."""

import pytest
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.core.pii import id_check_digit
from linli.registry.models import HouseholdTag, Resident, ResidentTag
from linli.testing import english

pytestmark = pytest.mark.django_db

VALID_ID = "310109198806060" + "01"  # completed with its check digit below
VALID_ID = VALID_ID + id_check_digit(VALID_ID)


def post(client, name, args, data):
    return english(client).post(reverse(name, args=args), data)


def get(client, name, *args):
    return english(client).get(reverse(name, args=args))


def member_data(**overrides):
    data = {
        "name": "周小明",
        "relation": "grandchild",
        "residence_status": "resident",
        "id_number": VALID_ID,
        "phone": "13611112222",
        "gender": "",
        "birth_date": "",
        "token": "tok-1",
    }
    data.update(overrides)
    return data


def snapshot(household):
    household.refresh_from_db()
    return (
        household.tenure,
        household.note,
        sorted(Resident.objects.filter(household=household).values_list("id", "name")),
        sorted(HouseholdTag.objects.filter(household=household).values_list("tag_id", "level")),
        AuditEvent.objects.count(),
    )


def test_grid_worker_changes_tenure_and_note(world, login):
    client = login(world.grid_a1_worker)
    response = post(
        client, "registry:household_edit", [world.hh_a1.pk], {"tenure": "tenant", "note": "新租户"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household", args=[world.hh_a1.pk])
    world.hh_a1.refresh_from_db()
    assert (world.hh_a1.tenure, world.hh_a1.note) == ("tenant", "新租户")
    assert HouseholdTag.objects.filter(household=world.hh_a1, tag__code="tenant").exists()
    event = AuditEvent.objects.get(household_id=world.hh_a1.pk, verb="update")
    assert event.actor == world.grid_a1_worker


def test_household_form_rejects_unknown_tenure(world, login):
    before = snapshot(world.hh_a1)
    response = post(
        login(world.admin), "registry:household_edit", [world.hh_a1.pk], {"tenure": "squatter"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert snapshot(world.hh_a1) == before


@pytest.mark.parametrize("who", ["leader", "resident_user", "property", "volunteer"])
def test_edits_refused_without_registry_edit(world, login, who):
    client = login(getattr(world, who))
    hh = world.hh_a1
    before = snapshot(hh)
    wang_tags = sorted(ResidentTag.objects.filter(resident=world.wang).values_list("tag_id"))
    attempts = [
        ("registry:household_edit", [hh.pk], {"tenure": "tenant", "note": "x"}),
        ("registry:member_add", [hh.pk], member_data()),
        ("registry:member_edit", [hh.pk, world.wang.pk], member_data(name="改名")),
        ("registry:member_move_out", [hh.pk, world.wang.pk], {"reason": "搬走"}),
        ("registry:household_tags", [hh.pk], {f"tag_{world.tags['hardship'].pk}": "on"}),
        ("registry:member_tags", [hh.pk, world.wang.pk], {}),
    ]
    for name, args, data in attempts:
        assert post(client, name, args, data).status_code == 404, name
        assert get(client, name, *args).status_code == 404, name
    assert snapshot(hh) == before
    assert (
        sorted(ResidentTag.objects.filter(resident=world.wang).values_list("tag_id")) == wang_tags
    )


def test_add_member_and_no_duplicate_on_double_submission(world, login):
    client = login(world.grid_a1_worker)
    form = get(client, "registry:member_add", world.hh_a1.pk)
    token = form.context["form"].initial["token"]
    assert token and token in form.content.decode()
    data = member_data(token=token)
    first = post(client, "registry:member_add", [world.hh_a1.pk], data)
    assert first.status_code == 302
    second = post(client, "registry:member_add", [world.hh_a1.pk], data)
    assert second.status_code == 302
    added = Resident.objects.filter(household=world.hh_a1, name="周小明")
    assert added.count() == 1
    member = added.get()
    assert member.id_number == VALID_ID and member.phone == "13611112222"
    assert member.gender == "M" and member.birth_date.year == 1988  # from the ID number
    assert AuditEvent.objects.filter(household_id=world.hh_a1.pk, verb="create").count() == 1


def test_bad_id_number_shows_error_next_to_field_and_saves_nothing(world, login):
    client = login(world.grid_a1_worker)
    before = snapshot(world.hh_a1)
    bad = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    response = post(
        client, "registry:member_add", [world.hh_a1.pk], member_data(id_number=bad, phone="12")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ID number check digit is wrong (GB 11643)" in html
    assert 'id="id_id_number-error"' in html
    assert "Phone number must be an 11-digit mobile number" in html
    assert 'value="周小明"' in html  # other typed values are kept
    assert snapshot(world.hh_a1) == before


def test_duplicate_id_number_in_street_is_refused(world, login):
    client = login(world.admin)
    before = snapshot(world.hh_a2)
    response = post(
        client, "registry:member_add", [world.hh_a2.pk], member_data(id_number=world.zhou.id_number)
    )
    assert response.status_code == 200
    assert "already has this ID number" in response.content.decode()
    assert snapshot(world.hh_a2) == before


def test_edit_member_never_prefills_clear_values_and_empty_keeps(world, login):
    client = login(world.admin)
    original_id = world.wang.id_number
    form = get(client, "registry:member_edit", world.hh_a1.pk, world.wang.pk)
    html = form.content.decode()
    assert world.wang.id_number not in html and world.wang.phone not in html
    assert world.wang.phone_masked in html  # shown as text, masked
    response = post(
        client,
        "registry:member_edit",
        [world.hh_a1.pk, world.wang.pk],
        member_data(name="王建国", relation="spouse", id_number="", phone="13900009999"),
    )
    assert response.status_code == 302
    world.wang.refresh_from_db()
    assert world.wang.id_number == original_id  # empty box: kept
    assert world.wang.phone == "13900009999"
    assert world.wang.residence_status == "resident"


def test_edit_member_of_another_household_is_404(world, login):
    client = login(world.admin)
    assert get(client, "registry:member_edit", world.hh_a1.pk, world.li.pk).status_code == 404
    response = post(
        client, "registry:member_edit", [world.hh_a1.pk, world.li.pk], member_data(name="改名")
    )
    assert response.status_code == 404
    world.li.refresh_from_db()
    assert world.li.name == "李强"


def test_move_out_needs_a_reason(world, login):
    client = login(world.grid_a1_worker)
    before = snapshot(world.hh_a1)
    response = post(client, "registry:member_move_out", [world.hh_a1.pk, world.wang.pk], {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert snapshot(world.hh_a1) == before
    response = post(
        client, "registry:member_move_out", [world.hh_a1.pk, world.wang.pk], {"reason": "迁往外区"}
    )
    assert response.status_code == 302
    world.wang.refresh_from_db()
    assert world.wang.household_id is None
    event = AuditEvent.objects.get(verb="move_out")
    assert event.changes == {"reason": "迁往外区"} and event.household_id == world.hh_a1.pk
    # A second submission finds no such member any more and changes nothing.
    assert (
        post(
            client, "registry:member_move_out", [world.hh_a1.pk, world.wang.pk], {"reason": "x"}
        ).status_code
        == 404
    )
    assert AuditEvent.objects.filter(verb="move_out").count() == 1


def test_household_tags_with_derived_shown_but_not_editable(world, login):
    client = login(world.grid_a1_worker)
    form = get(client, "registry:household_tags", world.hh_a1.pk)
    html = form.content.decode()
    fields = set(form.context["form"].fields)
    hardship, elderly = world.tags["hardship"], world.tags["elderly_only"]
    assert f"tag_{hardship.pk}" in fields
    assert f"tag_{elderly.pk}" not in fields  # derived
    assert "纯老户" in html  # but shown
    response = post(
        client,
        "registry:household_tags",
        [world.hh_a1.pk],
        {f"tag_{hardship.pk}": "on", f"tag_{elderly.pk}": ""},
    )
    assert response.status_code == 302
    codes = set(
        HouseholdTag.objects.filter(household=world.hh_a1).values_list("tag__code", flat=True)
    )
    assert codes == {"hardship", "elderly_only"}


def test_member_tags_keep_sensitive_tags_the_editor_cannot_see(world, login):
    client = login(world.grid_a1_worker)
    form = get(client, "registry:member_tags", world.hh_a1.pk, world.wang.pk)
    assert "党员" not in form.content.decode()
    volunteer = world.tags["volunteer"]
    response = post(
        client,
        "registry:member_tags",
        [world.hh_a1.pk, world.wang.pk],
        {f"tag_{volunteer.pk}": "on"},
    )
    assert response.status_code == 302
    codes = set(ResidentTag.objects.filter(resident=world.wang).values_list("tag__code", flat=True))
    assert codes == {"party_member", "volunteer"}
    # A cadre may see and remove the party tag.
    client = login(world.cadre)
    assert (
        "党员"
        in get(client, "registry:member_tags", world.hh_a1.pk, world.wang.pk).content.decode()
    )
    post(
        client,
        "registry:member_tags",
        [world.hh_a1.pk, world.wang.pk],
        {f"tag_{volunteer.pk}": "on"},
    )
    codes = set(ResidentTag.objects.filter(resident=world.wang).values_list("tag__code", flat=True))
    assert codes == {"volunteer"}


def test_tag_level_is_saved(world, login):
    client = login(world.grid_b1_worker)
    disabled = world.tags["disabled"]
    form = get(client, "registry:member_tags", world.hh_b1.pk, world.zhao.pk)
    assert form.context["form"].fields[f"level_{disabled.pk}"].initial == "二级"
    response = post(
        client,
        "registry:member_tags",
        [world.hh_b1.pk, world.zhao.pk],
        {f"tag_{disabled.pk}": "on", f"level_{disabled.pk}": "一级"},
    )
    assert response.status_code == 302
    assert ResidentTag.objects.get(resident=world.zhao, tag=disabled).level == "一级"


def test_unticking_every_tag_removes_them(world, login):
    client = login(world.admin)
    hardship = world.tags["hardship"]
    post(client, "registry:household_tags", [world.hh_a2.pk], {f"tag_{hardship.pk}": "on"})
    assert HouseholdTag.objects.filter(household=world.hh_a2, tag=hardship).exists()
    response = post(client, "registry:household_tags", [world.hh_a2.pk], {})
    assert response.status_code == 302
    assert not HouseholdTag.objects.filter(household=world.hh_a2, tag=hardship).exists()
