from linli.grids import permissions as perms


def linli(request):
    """Navigation facts for the base template: which sections this user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "registry": perms.can(user, perms.REGISTRY_VIEW) or perms.can(user, perms.PLACES_VIEW),
            "import": perms.can(user, perms.REGISTRY_IMPORT),
            "roles": perms.can(user, perms.ROLES_MANAGE),
            "audit": perms.can(user, perms.AUDIT_VIEW),
        }
    }
