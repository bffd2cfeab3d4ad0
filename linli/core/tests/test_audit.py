import pytest
from django.db import DatabaseError, connection, transaction

from linli.core.audit import record_change, record_pii_access
from linli.core.models import AppendOnlyError, AuditEvent, PiiAccess

pytestmark = pytest.mark.django_db


def test_change_history_is_append_only_through_the_orm(world):
    event = record_change(
        actor=world.admin,
        target=world.hh_a1,
        verb="update",
        summary="x",
        household_id=world.hh_a1.pk,
    )
    with pytest.raises(AppendOnlyError):
        event.summary = "rewritten"
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "x"


def test_access_log_rows_per_record_and_one_row_per_export(world):
    record_pii_access(
        actor=world.admin,
        street_id=world.street.pk,
        target_type="registry.resident",
        target_ids=[world.zhou.pk, world.wang.pk],
        fields="phone",
        reason="回访",
        channel="page",
    )
    record_pii_access(
        actor=world.admin,
        street_id=world.street.pk,
        target_type="registry.resident",
        target_ids=[1, 2, 3],
        fields="phone",
        reason="上报",
        channel="export",
    )
    assert PiiAccess.objects.filter(channel="page").count() == 2
    export = PiiAccess.objects.get(channel="export")
    assert export.record_count == 3


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database trigger exists on PostgreSQL only"
)
def test_postgres_trigger_refuses_raw_update(world):
    record_change(actor=world.admin, target=world.hh_a1, verb="update", summary="x")
    record_pii_access(
        actor=world.admin,
        street_id=world.street.pk,
        target_type="registry.resident",
        target_ids=[world.zhou.pk],
        fields="phone",
        reason="回访",
        channel="page",
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET summary = 'rewritten'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_piiaccess")
