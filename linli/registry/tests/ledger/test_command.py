"""The command line: dry run, import, --user scope, errors exit non-zero."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from linli.core.models import AuditEvent
from linli.registry.models import ImportJob, ImportStatus, Resident

from .conftest import NEW_IDS, row, xlsx_bytes

ROWS = [row(room="303", name="马大爷", idn=NEW_IDS["ma"]),
        row(compound="榆兰新村", building="5", room="102", name="何阿姨", idn=NEW_IDS["he"])]  # fmt: skip


@pytest.fixture
def ledger(tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx_bytes(ROWS))
    return str(path)


def test_dry_run_saves_nothing(world, ledger, capsys):
    call_command("import_households", ledger, street=world.street.code, dry_run=True)
    out = capsys.readouterr().out
    assert "residents new 2" in out and "nothing saved" in out
    assert not Resident.objects.filter(name="马大爷").exists()


def test_import_as_operator_then_again_is_unchanged(world, ledger, capsys):
    call_command("import-households", ledger, street=world.street.code)
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2
    assert AuditEvent.objects.filter(verb="import", actor=None).count() == 2
    assert ImportJob.objects.count() == 0
    capsys.readouterr()
    call_command("import_households", ledger, street=world.street.code)
    assert "residents new 0, updated 0, unchanged 2" in capsys.readouterr().out


def test_user_scope_applies(world, ledger):
    # The cadre of neighbourhood A does not reach 榆兰新村 (neighbourhood B).
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_households", ledger, street=world.street.code, user="cadre")
    assert not Resident.objects.filter(name="马大爷").exists()
    assert ImportJob.objects.get().status == ImportStatus.REJECTED


def test_user_import_is_recorded_as_a_job(world, ledger):
    call_command("import_households", ledger, street=world.street.code, user="admin")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.COMMITTED and job.actor == world.admin
    assert Resident.objects.filter(name__in=["马大爷", "何阿姨"]).count() == 2


def test_grid_worker_may_not_import(world, ledger):
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_households", ledger, street=world.street.code, user="grid_a1")
    assert ImportJob.objects.count() == 0 and not Resident.objects.filter(name="马大爷").exists()


def test_unknown_street_and_file(world, ledger, tmp_path):
    with pytest.raises(CommandError, match="No street"):
        call_command("import_households", ledger, street="000")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_households", str(tmp_path / "none.xlsx"), street=world.street.code)
