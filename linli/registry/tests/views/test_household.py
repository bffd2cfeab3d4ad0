"""The household file: who may open it, masked personal data, the audited reveal,
change history and sections contributed by other modules."""

import pytest
from django.urls import reverse

from linli.core.models import PiiAccess
from linli.registry import household_file
from linli.registry.services import household_update
from linli.testing import chinese, english

pytestmark = pytest.mark.django_db


def get(client, name, *args, **extra):
    return english(client).get(reverse(name, args=args), **extra)


def reveal(client, household, reason="上门核实身份", htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return english(client).post(
        reverse("registry:household_reveal", args=[household.pk]),
        {"reason": reason},
        **headers,
    )


def clear_values(world, *residents):
    out = []
    for r in residents:
        r.refresh_from_db()
        out += [r.id_number, r.phone]
    return out


@pytest.mark.parametrize("who", ["admin", "cadre", "grid_a1_worker", "leader", "resident_user"])
def test_allowed_roles_open_hh_a1(world, login, who):
    response = get(login(getattr(world, who)), "registry:household", world.hh_a1.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "周美华" in html and "王建国" in html
    assert "138****1234" in html and "139****5678" in html
    assert world.zhou.id_number_masked in html
    assert world.zhou.id_number_masked.startswith("3101") and "*" in world.zhou.id_number_masked


@pytest.mark.parametrize(
    "who,household",
    [
        ("grid_a1_worker", "hh_b1"),
        ("grid_a1_worker", "hh_a2"),
        ("grid_b1_worker", "hh_a1"),
        ("cadre", "hh_b1"),
        ("admin", "hh_t"),
        ("other_admin", "hh_a1"),
        ("property", "hh_a1"),
        ("property", "hh_a1b"),
        ("leader", "hh_a2"),
        ("resident_user", "hh_a1b"),
        ("resident_user", "hh_b1"),
        ("volunteer", "hh_a1"),
        ("nobody", "hh_a1"),
    ],
)
def test_out_of_scope_household_is_404_on_every_page(world, login, who, household):
    client = login(getattr(world, who))
    hh = getattr(world, household)
    member = hh.members.first()
    for name, args in [
        ("registry:household", [hh.pk]),
        ("registry:household_edit", [hh.pk]),
        ("registry:household_tags", [hh.pk]),
        ("registry:member_add", [hh.pk]),
        ("registry:member_edit", [hh.pk, member.pk]),
        ("registry:member_tags", [hh.pk, member.pk]),
        ("registry:member_move_out", [hh.pk, member.pk]),
    ]:
        assert get(client, name, *args).status_code == 404, name
    before = PiiAccess.objects.count()
    assert reveal(client, hh).status_code == 404
    assert PiiAccess.objects.count() == before


def test_missing_household_is_404(world, login):
    assert get(login(world.admin), "registry:household", 999999).status_code == 404


def test_clear_values_never_in_html_without_view_pii(world, login):
    for who in ("grid_a1_worker", "leader", "resident_user"):
        html = get(
            login(getattr(world, who)), "registry:household", world.hh_a1.pk
        ).content.decode()
        for value in clear_values(world, world.zhou, world.wang):
            assert value not in html, who
        assert "Show full numbers" not in html, who  # no reveal control without view_pii


def test_clear_values_not_in_html_for_view_pii_holders_until_revealed(world, login):
    html = get(login(world.admin), "registry:household", world.hh_a1.pk).content.decode()
    for value in clear_values(world, world.zhou, world.wang):
        assert value not in html
    assert "Show full numbers" in html


def test_reveal_logs_one_row_per_member_and_swaps_in_clear_values(world, login):
    client = login(world.cadre)
    response = reveal(client, world.hh_a1)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert world.wang.id_number in html  # 王建国's ID number, in clear
    assert "13812341234" in html and "13900005678" in html
    assert '<div id="members">' in html and "<html" not in html  # only the fragment
    rows = PiiAccess.objects.filter(actor=world.cadre).order_by("target_id")
    assert [r.target_id for r in rows] == sorted([world.zhou.pk, world.wang.pk])
    assert {r.reason for r in rows} == {"上门核实身份"}
    assert all(r.channel == "page" and r.target_type == "registry.resident" for r in rows)


def test_reveal_without_htmx_renders_the_page(world, login):
    response = reveal(login(world.admin), world.hh_b1, htmx=False)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "13600004444" in html
    assert PiiAccess.objects.filter(actor=world.admin).count() == 1


def test_reveal_needs_a_reason(world, login):
    response = reveal(login(world.admin), world.hh_a1, reason="  ")
    assert response.status_code == 200
    html = response.content.decode()
    assert "13812341234" not in html
    assert "This field is required." in html or "Say why" in html
    assert PiiAccess.objects.count() == 0


@pytest.mark.parametrize("who", ["grid_a1_worker", "leader", "resident_user"])
def test_reveal_denied_without_view_pii(world, login, who):
    response = reveal(login(getattr(world, who)), world.hh_a1)
    assert response.status_code == 404
    assert "13812341234" not in response.content.decode()
    assert PiiAccess.objects.count() == 0


def test_reveal_is_post_only(world, login):
    client = login(world.admin)
    response = client.get(reverse("registry:household_reveal", args=[world.hh_a1.pk]))
    assert response.status_code == 405
    assert PiiAccess.objects.count() == 0


def test_file_shows_address_grid_tenure_tags(world, login):
    html = get(login(world.admin), "registry:household", world.hh_a1b.pk).content.decode()
    assert "雨泉花园" in html and "302" in html
    assert world.grid_a1.name in html
    assert "Tenant" in html and "租户" in html
    assert "Migrant" in html and "外来人口" in html
    assert "34" in html  # 李强's age (born 1990)


def test_sensitive_tags_hidden_without_permission(world, login):
    # 王建国 is a party member: only roles with view_party_tags see it.
    for who in ("grid_a1_worker", "leader", "resident_user"):
        html = get(
            login(getattr(world, who)), "registry:household", world.hh_a1.pk
        ).content.decode()
        assert "党员" not in html, who
    assert "党员" in get(login(world.cadre), "registry:household", world.hh_a1.pk).content.decode()
    # 赵嫦娥's disability (with its level) is a health tag: grid workers may see it.
    html = get(login(world.grid_b1_worker), "registry:household", world.hh_b1.pk).content.decode()
    assert "残疾 · 二级" in html


def test_resident_gets_the_simple_layout(world, login):
    response = get(login(world.resident_user), "registry:household", world.hh_a1.pk)
    html = response.content.decode()
    assert response.templates[0].name == "registry/household_resident.html"
    assert 'class="resident"' in html
    assert "My household" in html
    assert "Change history" not in html and "Edit" not in html


def test_change_history_newest_first_for_audit_viewers(world, login):
    household_update(actor=world.admin, household=world.hh_a1, tenure="owner", note="第一次")
    household_update(actor=world.admin, household=world.hh_a1, tenure="owner", note="第二次")
    response = get(login(world.cadre), "registry:household", world.hh_a1.pk)
    history = response.context["history"]
    assert [e["event"].changes["note"][1] for e in history] == ["第二次", "第一次"]
    html = response.content.decode()
    assert "第一次 → 第二次" in html
    assert html.index("第一次 → 第二次") < html.index("— → 第一次")
    # Grid workers have no audit.view: the history is not shown.
    response = get(login(world.grid_a1_worker), "registry:household", world.hh_a1.pk)
    assert response.context["history"] is None
    assert "Change history" not in response.content.decode()


def test_no_sections_unless_registered(world, login, monkeypatch):
    monkeypatch.setattr(household_file, "_sections", {})
    response = get(login(world.admin), "registry:household", world.hh_a1.pk)
    assert response.context["sections"] == []
    assert 'class="file-section"' not in response.content.decode()


def test_registered_section_is_shown_when_its_provider_answers(
    world, login, tmp_path, settings, monkeypatch
):
    monkeypatch.setattr(household_file, "_sections", {})
    template_dir = tmp_path / "templates"
    (template_dir / "probe").mkdir(parents=True)
    (template_dir / "probe" / "section.html").write_text("probe says {{ section.greeting }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(template_dir)]},
    ]
    calls = []

    def provider(actor, household):
        calls.append((actor.username, household.pk))
        return {"greeting": "你好"} if actor.username == "admin" else None

    household_file.register_section("probe", "Probe", "probe/section.html", provider)
    try:
        html = get(login(world.admin), "registry:household", world.hh_a1.pk).content.decode()
        assert "probe says 你好" in html and "<h2>Probe</h2>" in html
        html = get(login(world.cadre), "registry:household", world.hh_a1.pk).content.decode()
        assert "probe says" not in html
    finally:
        household_file.unregister_section("probe")
    assert calls == [("admin", world.hh_a1.pk), ("cadre", world.hh_a1.pk)]


def test_an_import_entry_reads_as_words_not_keys(world, login):
    from linli.core.audit import record_change

    record_change(
        actor=world.admin, target=world.hh_a1, verb="import", household_id=world.hh_a1.pk,
        summary="Household updated from a ledger import",
        changes={"import_job": 7, "fields": ["tenure", "area", "tags"],
                 "members_added": 0, "members_changed": 2},
    )  # fmt: skip
    response = get(login(world.cadre), "registry:household", world.hh_a1.pk)
    assert response.context["history"][0]["lines"] == [
        ("Import no.", "7"),
        ("Fields changed", "Tenure、Registered area、Tags"),
        ("Members changed", "2"),
    ]
    html = (
        chinese(login(world.cadre))
        .get(reverse("registry:household", args=[world.hh_a1.pk]))
        .content.decode()
    )
    assert "导入批次" in html and "改动项目" in html and "import_job" not in html
