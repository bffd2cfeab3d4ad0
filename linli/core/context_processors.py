from linli.grids import permissions as perms
from linli.grids.models import Role


def linli(request):
    """Navigation facts for the base template: which sections this user may open.

    ``registry``: staff on the grid tree (tree, search); ``places``: a landing list of
    compounds or buildings for property staff and building leaders (``places_label``
    says which); ``search``: household search; ``my_household``: the resident's own
    household id (looked up only when a template asks); ``volunteer``: holds the
    volunteer role.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    place_reaches = {perms.ROLE_REACH[g.role] for g in perms.grants_for(user, perms.PLACES_VIEW)}
    view_reaches = {perms.ROLE_REACH[g.role] for g in perms.grants_for(user, perms.REGISTRY_VIEW)}
    roles = {g.role for g in perms.grants(user)}
    tree = perms.NODE in place_reaches
    places = None
    if perms.UNIT in place_reaches:
        places = "compounds"
    elif perms.LEADER in place_reaches:
        places = "buildings"

    def my_household():
        # Called by the nav and by the home page: look the household up once.
        if "id" not in found:
            resident = getattr(user, "resident", None) if perms.OWNER in view_reaches else None
            found["id"] = resident.household_id if resident is not None else None
        return found["id"]

    found: dict[str, int | None] = {}

    return {
        "nav": {
            "registry": tree,
            "places": places,
            "search": bool(view_reaches & {perms.NODE, perms.LEADER}),
            "my_household": my_household,
            "volunteer": Role.VOLUNTEER in roles,
            "has_role": bool(roles),
            "import": perms.can(user, perms.REGISTRY_IMPORT),
            "roles": perms.can(user, perms.ROLES_MANAGE),
            "audit": perms.can(user, perms.AUDIT_VIEW),
        }
    }
