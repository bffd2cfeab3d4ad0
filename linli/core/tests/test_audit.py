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


def test_a_change_made_while_serving_a_request_records_where_it_came_from(world, rf, settings):
    from linli.core.audit import request_address
    from linli.core.middleware import RequestAddressMiddleware

    def view(request):
        record_change(actor=world.admin, target=world.hh_a1, verb="update", summary="from a page")
        return None

    RequestAddressMiddleware(view)(rf.post("/", REMOTE_ADDR="10.1.2.3"))
    settings.LINLI_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"  # behind nginx
    RequestAddressMiddleware(view)(rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.9.8.7"))
    outside = record_change(actor=world.admin, target=world.hh_a1, verb="update", summary="worker")
    ips = list(
        AuditEvent.objects.filter(summary__in=["from a page"])
        .order_by("id")
        .values_list("ip", flat=True)
    )
    assert ips == ["10.1.2.3", "10.9.8.7"]
    assert outside.ip is None and request_address.get() is None
