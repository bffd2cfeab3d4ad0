"""Writes to the grid tree and to role grants."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from linli.accounts.models import User
from linli.core.audit import record_change
from linli.core.errors import InvalidInput

from . import permissions as perms
from .models import CHILD_KINDS, GridNode, NodeKind, Role, StaffAssignment, Unit


@transaction.atomic
def node_add(
    *, actor, parent: GridNode | None, kind: str, code: str, name: str, **fields
) -> GridNode:
    """Add a node under ``parent`` (a district has none). The kind must fit under the
    parent's kind; a street points at itself as its tenant, nodes below at their street."""
    if parent is None and kind != NodeKind.DISTRICT:
        raise InvalidInput(_("Only a district can be a top-level node."), field="kind")
    if parent is not None and kind not in CHILD_KINDS[NodeKind(parent.kind)]:
        raise InvalidInput(_("This kind of node cannot be placed here."), field="kind")
    if GridNode.objects.filter(code=code).exists():
        raise InvalidInput(_("Another node already uses this code."), field="code")
    create = {"kind": kind, "code": code, "name": name, **fields}
    node = (
        GridNode.objects.add_root(create)
        if parent is None
        else GridNode.objects.add_child(parent, create)
    )
    node.street_id = node.pk if kind == NodeKind.STREET else (parent.street_id if parent else None)
    node.save(update_fields=["street"])
    if node.street_id:
        record_change(actor=actor, target=node, verb="create", summary=_("Node created"))
    return node


def _managed_node(actor, node: GridNode) -> GridNode:
    return perms.get_in_scope(GridNode.objects.all(), actor, perms.ROLES_MANAGE, pk=node.pk)


@transaction.atomic
def user_create(*, actor, username: str, display_name: str, password: str):
    """Create a login. The password must pass the configured password policy."""
    perms.require(actor, perms.ROLES_MANAGE)
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("Username is required."), field="username")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(_("This username is taken."), field="username")
    user = User(username=username, display_name=(display_name or "").strip())
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    user.save()
    record_change(
        actor=actor,
        target=user,
        verb="create",
        summary=_("Login %(username)s created") % {"username": username},
        changes={"username": username, "display_name": user.display_name},
    )
    return user


@transaction.atomic
def assignment_add(
    *, actor, user, role: str, node: GridNode, unit: Unit | None = None
) -> StaffAssignment:
    """Grant ``role`` on ``node`` (and its subtree). Only inside the actor's own scope;
    unit staff must name a unit of the same street, other roles must not."""
    node = _managed_node(actor, node)
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    if role == Role.UNIT_STAFF:
        if unit is None or unit.street_id != node.street_id:
            raise InvalidInput(_("Choose the unit this person works for."), field="unit")
    else:
        unit = None
    if StaffAssignment.objects.filter(user=user, role=role, node=node, unit=unit).exists():
        raise InvalidInput(_("This person already has this role here."), field="role")
    assignment = StaffAssignment.objects.create(
        street_id=node.street_id, user=user, role=role, node=node, unit=unit
    )
    record_change(
        actor=actor,
        target=assignment,
        verb="grant",
        summary=_("Role %(role)s granted to %(user)s on %(node)s")
        % {"role": assignment.get_role_display(), "user": user, "node": node.name},
    )
    return assignment


@transaction.atomic
def assignment_remove(*, actor, assignment: StaffAssignment) -> None:
    assignment = perms.get_in_scope(
        StaffAssignment.objects.select_related("node", "user"),
        actor,
        perms.ROLES_MANAGE,
        pk=assignment.pk,
    )
    if assignment.user_id == actor.pk and assignment.role == Role.STREET_ADMIN:
        raise InvalidInput(_("You cannot remove your own street administrator role."))
    record_change(
        actor=actor,
        target=assignment,
        verb="revoke",
        summary=_("Role %(role)s removed from %(user)s on %(node)s")
        % {
            "role": assignment.get_role_display(),
            "user": assignment.user,
            "node": assignment.node.name,
        },
    )
    assignment.delete()
