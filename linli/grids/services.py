"""Writes to the grid tree and to role grants."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core.audit import record_change
from linli.core.errors import InvalidInput

from .models import CHILD_KINDS, GridNode, NodeKind


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
