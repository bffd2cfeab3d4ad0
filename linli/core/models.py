"""Base models and the two append-only logs every module writes to.

``StreetOwned`` is the tenant rule: every domain row carries its street and the
street is the first column of its indexes. ``AuditEvent`` is the change history;
``PiiAccess`` records every unmasking of personal data. Both are append-only:
the ORM refuses updates and deletes, and on PostgreSQL a trigger refuses them too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def street_key(**options) -> models.ForeignKey:
    """The ``street`` column of a street-owned row. Not indexed alone: every model leads
    its own indexes with it. ``db_constraint=False`` where a composite foreign key that
    includes the street checks it instead (see ``registry.models``)."""
    return models.ForeignKey(
        "grids.GridNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("street"),
        db_index=False,
        **options,
    )


class StreetOwned(models.Model):
    street = street_key()

    class Meta:
        abstract = True


class SortKeyField(models.CharField):
    """Text compared byte by byte (UTF-8 code point order) on every database.

    For keys the code builds to sort by: a locale's collation may skip separators and
    punctuation, which would mix up the parts of a key. SQLite compares bytes already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an append-only record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} is append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} is append-only")


class AuditEvent(AppendOnlyModel):
    """One change to a record: who, when, what, and the changed fields (PII masked)."""

    street = models.ForeignKey(
        "grids.GridNode", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    verb = models.CharField(max_length=40)
    target_type = models.CharField(max_length=60)
    target_id = models.BigIntegerField()
    household_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    # Where the change came from (the request's address), when the writer knew it.
    ip = models.GenericIPAddressField(null=True, blank=True)
    # The street's chain (see core.auditchain): the previous row's hash, and this row's.
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["street", "target_type", "target_id"]),
            models.Index(fields=["street", "household_id", "at"]),
            # The street's audit trail, newest first (oversight pages).
            models.Index(fields=["street", "at"], name="auditevent_street_at"),
        ]
        ordering = ["-at", "-id"]
        verbose_name = _("change history")
        verbose_name_plural = _("change history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.summary}"


class AuditChainHead(models.Model):
    """The last hash of one audit chain (a street's, or ``global`` for rows without one).
    Writers lock it while they append, so each chain grows one row at a time."""

    key = models.CharField(max_length=40, unique=True)
    hash = models.CharField(max_length=64, blank=True, default="")
    length = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"{self.key} {self.length} {self.hash}"


class PiiAccess(AppendOnlyModel):
    """One unmasking of personal data: who saw which record's clear value, when and why."""

    street = models.ForeignKey(
        "grids.GridNode", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(max_length=60)
    target_id = models.BigIntegerField(null=True, blank=True)
    fields = models.CharField(max_length=120)
    reason = models.CharField(max_length=300)
    channel = models.CharField(max_length=20, default="page")  # page / api / export
    record_count = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["street", "at"]),
            models.Index(fields=["street", "target_type", "target_id"]),
        ]
        ordering = ["-at", "-id"]
        verbose_name = _("personal data access log")
        verbose_name_plural = _("personal data access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.target_type}#{self.target_id}"


class NumberSequence(models.Model):
    """A per-street counter for human-readable numbers (WO-2026-000123, notice numbers).

    Use ``linli.core.numbering.next_number``: it increments with a single
    ``UPDATE ... SET value = value + 1`` so the row lock, not Python, serialises
    concurrent callers until their transaction ends.
    """

    street = models.ForeignKey(
        "grids.GridNode", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    key = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "key"], name="numbersequence_unique")
        ]
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Notification(models.Model):
    """One message in a user's in-app inbox (站内信). Written after the change commits.

    ``dedupe_key`` makes repeated sends (a sweep run twice) land once per user.
    Subjects and bodies carry numbers and categories, never personal data.
    """

    street = models.ForeignKey(
        "grids.GridNode", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_unique",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at", "at"])]
        ordering = ["-at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.subject


class IdempotencyKey(models.Model):
    """A create request already handled: the same (user, scope, key) files one row.

    ``key`` is a form's one-time token or an API client's ``Idempotency-Key`` header;
    ``result_*`` names the row it created. Written in the creating transaction, so a
    failed create leaves no key behind. Pruned after ``LINLI_IDEMPOTENCY_DAYS``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    result_type = models.CharField(max_length=60, blank=True)
    result_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique")
        ]
        indexes = [models.Index(fields=["created_at"])]
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ScheduledJob(models.Model):
    """One registered background job (``core.jobs``): when it runs next, who holds it now,
    and how its last run went. The lease (``lease_owner`` until ``lease_until``) is taken
    by one conditional UPDATE, so two workers never run the same job at once."""

    name = models.CharField(max_length=80, unique=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(null=True)
    last_counts = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a background job, kept for the street admin's job page (pruned after
    ``LINLI_JOB_RUN_DAYS``)."""

    job = models.CharField(max_length=80)
    worker = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "started_at"])]
        ordering = ["-started_at", "-id"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
