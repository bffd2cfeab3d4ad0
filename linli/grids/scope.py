"""How a model declares the paths the scope engine follows (see permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScopeSpec:
    """Paths from a model's rows to what grants reach. ``node=""`` means the row is a node.

    ``node=None`` means node roles reach every row of their street (e.g. units).
    A ``None`` unit/leader/owner path means those roles reach no row.
    """

    node: str | None = None
    unit: str | None = None
    leader: str | None = None
    owner: str | None = None
