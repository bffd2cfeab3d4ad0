"""Reads of the grid tree and role grants, starting from the actor's scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import permissions as perms
from .models import GridNode, StaffAssignment, Unit


def assignments_managed(actor, *, q: str = "", role: str = "") -> QuerySet[StaffAssignment]:
    """Grants the actor manages; ``q`` matches the person's name or user name, or the
    node's or unit's name (a street has hundreds of grants: volunteers, building leaders)."""
    qs = perms.filter_to_scope(StaffAssignment.objects.all(), actor, perms.ROLES_MANAGE)
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q)
            | Q(user__display_name__icontains=q)
            | Q(node__name__icontains=q)
            | Q(unit__name__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    enrolled = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return (
        qs.select_related("user", "node", "unit")
        .annotate(two_step=Exists(enrolled))
        .order_by("user__username", "node__path", "role")
    )


def nodes_managed(actor) -> QuerySet[GridNode]:
    return perms.filter_to_scope(GridNode.objects.all(), actor, perms.ROLES_MANAGE).order_by("path")


def units_managed(actor) -> QuerySet[Unit]:
    return perms.filter_to_scope(Unit.objects.all(), actor, perms.ROLES_MANAGE).order_by(
        "kind", "name"
    )


def assignment_get(actor, pk: int) -> StaffAssignment:
    return perms.get_in_scope(StaffAssignment.objects.all(), actor, perms.ROLES_MANAGE, pk=pk)
