"""The navigation and the home page's tiles, contributed by each app.

``core`` draws the menu and the home page but knows no app: every app registers its
entries in its ``AppConfig.ready`` with ``register(...)``. An entry is shown to a user
when its ``show(user)`` answers something truthy; when that answer is a tuple it
becomes the URL's arguments (e.g. the resident's own household id). ``badge(user)``
(optional, e.g. unread messages) is called only when the menu is drawn.

``big`` tiles are the resident's everyday tasks (large, first on the home page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    key: str
    label: Any  # lazy text, in the menu
    url_name: str
    show: Callable[[Any], Any]
    title: Any = ""  # the home page tile's heading when it differs from the menu's label
    blurb: Any = ""  # one line under the tile on the home page
    order: int = 100
    big: bool = False
    menu: bool = True  # in the top menu
    tile: bool = True  # on the home page
    badge: Callable[[Any], int] | None = None


@dataclass
class Shown:
    """An entry as one user sees it."""

    entry: Entry
    href: str
    user: Any

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def label(self):
        return self.entry.label

    @property
    def title(self):
        return self.entry.title or self.entry.label

    @property
    def blurb(self):
        return self.entry.blurb

    @property
    def big(self) -> bool:
        return self.entry.big

    def badge(self) -> int:
        return self.entry.badge(self.user) if self.entry.badge else 0


_entries: dict[str, Entry] = {}


def register(entry: Entry) -> None:
    """Add (or replace, by key) an entry."""
    _entries[entry.key] = entry


def entries_for(user) -> list[Shown]:
    """The entries this user may open, in order (each ``show`` is called once)."""
    out = []
    for entry in sorted(_entries.values(), key=lambda e: (e.order, e.key)):
        answer = entry.show(user)
        if not answer:
            continue
        args = answer if isinstance(answer, tuple) else ()
        out.append(Shown(entry=entry, href=reverse(entry.url_name, args=args), user=user))
    return out


# Notices: a sentence on the home page for users in a given situation (no role yet; a
# role whose module is not switched on). ``say(user)`` answers the text or None.
_notices: dict[str, Callable[[Any], Any]] = {}


def register_notice(key: str, say: Callable[[Any], Any]) -> None:
    _notices[key] = say


def notices_for(user) -> list:
    return [text for say in _notices.values() if (text := say(user))]


# Links: a higher app's way onward from a lower app's page (a work order that may become
# a volunteer order). The page names its slot and asks ``links_for(slot, user, obj)``;
# the app that owns the destination registers ``make(user, obj)`` answering a ``Link``
# or None (not offered to this user, for this object).
@dataclass(frozen=True)
class Link:
    label: Any
    href: str
    note: Any = ""


_links: dict[str, dict[str, Callable[[Any, Any], Link | None]]] = {}


def register_link(slot: str, key: str, make: Callable[[Any, Any], Link | None]) -> None:
    _links.setdefault(slot, {})[key] = make


def links_for(slot: str, user, obj) -> list[Link]:
    return [link for make in _links.get(slot, {}).values() if (link := make(user, obj))]
