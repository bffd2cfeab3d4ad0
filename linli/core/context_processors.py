from django.utils.functional import SimpleLazyObject

from . import attachments, nav, offline


def linli(request):
    """``nav``: the navigation entries this user may open (``core.nav``), worked out only
    when a template asks. Anonymous visitors get none. ``offline``: the phone queue's
    cache and the photo limits of ``core.attachments`` it shrinks photos to (offline.js)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": SimpleLazyObject(lambda: Menu(nav.entries_for(user), user)),
        "offline": {
            "cache": offline.CACHE_NAME,
            "photo_bytes": attachments.max_bytes(),
            "photo_side": attachments.max_side(),
        },
    }


class Menu(list):
    """The shown entries, with a lookup by key for templates (``nav.by_key.search``), and
    the home page's notices for this user."""

    def __init__(self, shown, user):
        super().__init__(shown)
        self.user = user

    @property
    def by_key(self) -> dict:
        return {shown.key: shown for shown in self}

    @property
    def menu(self) -> list:
        return [s for s in self if s.entry.menu]

    @property
    def notices(self) -> list:
        return nav.notices_for(self.user)

    @property
    def tiles(self) -> list:
        return sorted((s for s in self if s.entry.tile), key=lambda s: not s.big)
