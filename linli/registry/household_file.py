"""Sections that later modules add to the household file (一户一档).

A module (work orders, visits, points, distributions ...) registers one section at
import time, typically in its ``AppConfig.ready``::

    register_section(
        key="workorders",
        title=gettext_lazy("Requests"),
        template="workorders/_household_section.html",
        provider=household_workorders,  # (actor, household) -> dict | None
    )

The household page calls each provider with the viewing user and the household
(already checked to be in the user's scope). A provider returns the context for its
template, or ``None`` to leave its section out for this user (e.g. no permission).
Providers must do their own scope checks for the rows they list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Provider = Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    provider: Provider


_sections: dict[str, Section] = {}


def register_section(key: str, title, template: str, provider: Provider) -> None:
    """Add (or replace, by ``key``) a section of the household file, shown in the order
    sections were first registered."""
    _sections[key] = Section(key=key, title=title, template=template, provider=provider)


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str
    template: str
    context: dict[str, Any]


def sections_for(actor, household) -> list[RenderedSection]:
    """The sections to show this actor on this household's file, with their context."""
    out = []
    for section in _sections.values():
        context = section.provider(actor, household)
        if context is not None:
            out.append(RenderedSection(section.key, section.title, section.template, context))
    return out
