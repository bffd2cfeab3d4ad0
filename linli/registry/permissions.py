"""The registry's actions (households and residents), declared with the scope engine.

Node staff reach households and residents through their grid; building leaders through
the buildings they lead; a resident their own household. Places (grid nodes, compounds,
buildings) are seen with the house-wide ``places.view`` (``grids.permissions``).
"""

from __future__ import annotations

from linli.grids.models import Role
from linli.grids.permissions import declare

VIEW = "registry.view"  # households and residents
EDIT = "registry.edit"
IMPORT = "registry.import"  # Excel ledgers in
EXPORT = "registry.export"  # Excel ledgers out

declare(
    {
        Role.STREET_ADMIN: [VIEW, EDIT, IMPORT, EXPORT],
        Role.CADRE: [VIEW, EDIT, IMPORT, EXPORT],
        Role.GRID_WORKER: [VIEW, EDIT, EXPORT],
        Role.BUILDING_LEADER: [VIEW],
        Role.RESIDENT: [VIEW],
    }
)
