"""How a model tells the scope engine the ways from its rows to what grants name.

A grant reaches rows in one of four kinds of way (``Reach.kind``):

* ``node``: the row lies under the granted grid node (its grid, neighbourhood ...);
* ``unit``: the row belongs to the granted unit (a property company's compounds, the
  units a work order was dispatched to);
* ``leader``: the row belongs to a building the user leads (楼组长);
* ``owner``: the row is the user's own (their household, the requests they made, a
  dwelling they own, the claims they hold).

A model declares one default path per kind (``node=``, ``unit=``, ``leader=``,
``owner=``) and any number of named ``rules`` for narrower ways of the same kinds
("the active lead unit", "the reporter", "node staff, but only for work kept
in-house"). Each app's ``permissions.py`` says which (role, action) reaches through
which kind or rule; see ``grids.permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NODE, UNIT, LEADER, OWNER = "node", "unit", "leader", "owner"
KINDS = (NODE, UNIT, LEADER, OWNER)


@dataclass(frozen=True)
class Rule:
    """One way from a row to a grant: ``path`` (Django lookup path, ``""`` = the row itself,
    ``None`` = every row of the grant's street) plus equality conditions ``where`` that
    must hold along it (e.g. ``{"in_house": True}``, ``{"assignments__active": True}``)."""

    kind: str
    path: str | None
    where: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown reach kind {self.kind!r}")


@dataclass(frozen=True)
class Reach:
    """How a role reaches rows for one action: a kind, and optionally a named rule of the
    model (``Reach(OWNER, "reporter")``). Without a rule, the model's default path for the
    kind is used."""

    kind: str
    rule: str = ""

    def __call__(self, rule: str) -> Reach:
        """``OWNER("reporter")``: the same kind through a named rule."""
        return Reach(self.kind, rule)

    @property
    def name(self) -> str:
        return self.rule or self.kind


@dataclass(frozen=True)
class ScopeSpec:
    """Paths from a model's rows to what grants reach. ``node=""`` means the row is a node.

    ``node=None`` means node roles reach every row of their street (e.g. units).
    A ``None`` unit/leader/owner path means those kinds reach no row unless a named rule
    says otherwise. ``rules`` maps a rule name to a ``Rule`` or to ``(kind, path, where)``.
    """

    node: str | None = None
    unit: str | None = None
    leader: str | None = None
    owner: str | None = None
    rules: dict[str, Any] = field(default_factory=dict)

    def rule(self, reach: Reach | None) -> Rule | None:
        """The rule a reach follows on this model, or None when it reaches no row here."""
        if reach is None:
            return None
        if reach.rule:
            found = self.rules.get(reach.rule)
            if found is None:
                return None
            if not isinstance(found, Rule):
                kind, path, *where = found
                found = Rule(kind, path, tuple((where[0] if where else {}).items()))
            if found.kind != reach.kind:
                raise ValueError(f"rule {reach.rule!r} is a {found.kind} rule, not {reach.kind}")
            return found
        path = getattr(self, reach.kind)
        if path is None and reach.kind != NODE:
            return None
        return Rule(reach.kind, path)
