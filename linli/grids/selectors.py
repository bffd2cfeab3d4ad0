"""Reads of the grid tree and role grants, starting from the actor's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from . import permissions as perms
from .models import GridNode, StaffAssignment, Unit


def assignments_managed(actor) -> QuerySet[StaffAssignment]:
    return (
        perms.filter_to_scope(StaffAssignment.objects.all(), actor, perms.ROLES_MANAGE)
        .select_related("user", "node", "unit")
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
