"""Lists that cost what they show: keyset pages and counts that stop counting.

A page of a long list is read "after" the last row of the previous page (``WHERE (key)
< (last key)`` in the list's own order), so the hundredth page costs what the first
does, where OFFSET reads and drops every row before it. The count under a list stops
at ``cap`` ("1,000+") unless someone asks for the exact figure. The page's token is
the last row's key, encoded for the URL; it carries no personal data (times and ids).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

COUNT_CAP = 1000


@dataclass
class Page:
    rows: list
    next_after: str  # the token of the next page, "" on the last page
    count: int  # rows in the whole list, up to ``cap``
    capped: bool  # there are more than ``count``
    first: bool  # this is the first page

    @property
    def has_next(self) -> bool:
        return bool(self.next_after)


def _encode(values: list) -> str:
    tagged = [["t", v.isoformat()] if isinstance(v, dt.datetime) else ["v", v] for v in values]
    return base64.urlsafe_b64encode(json.dumps(tagged).encode()).decode().rstrip("=")


def _decode(token: str, n: int) -> list | None:
    """The key values in a token, or None for a token that is not one of ours."""
    try:
        tagged = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(tagged, list) or len(tagged) != n:
            return None
        values = [parse_datetime(v) if tag == "t" else v for tag, v in tagged]
    except (ValueError, TypeError):
        return None
    if any(v is None or isinstance(v, (list, dict)) for v in values):
        return None
    return values


def _after(order: tuple[str, ...], values: list) -> Q:
    """Rows after ``values`` in ``order`` (fields with "-" sort descending)."""
    q = Q(pk__in=[])
    equal = Q()
    for field, value in zip(order, values, strict=True):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        q |= equal & Q(**{f"{name}__{op}": value})
        equal &= Q(**{name: value})
    return q


def _key(row: Any, order: tuple[str, ...]) -> list:
    return [getattr(row, field.lstrip("-")) for field in order]


def keyset_page(
    qs: QuerySet,
    *,
    order: tuple[str, ...],
    after: str = "",
    size: int = 25,
    cap: int = COUNT_CAP,
    exact: bool = False,
) -> Page:
    """One page of ``qs`` in ``order`` (whose last field must be unique, e.g. the id),
    after the row named by the token ``after``. A token that does not decode starts
    from the top. The count is exact with ``exact``, else it stops at ``cap``."""
    values = _decode(after, len(order)) if after else None
    page_qs = qs.order_by(*order)
    if values is not None:
        page_qs = page_qs.filter(_after(order, values))
    rows = list(page_qs[: size + 1])
    more_rows = len(rows) > size
    rows = rows[:size]
    counted = qs.order_by()
    if exact:
        count, capped = counted.count(), False
    else:
        count = counted[: cap + 1].count()
        capped = count > cap
        count = min(count, cap)
    return Page(
        rows=rows,
        next_after=_encode(_key(rows[-1], order)) if more_rows else "",
        count=count,
        capped=capped,
        first=values is None,
    )


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(the count up to ``cap``, whether there are more): a badge that never counts a
    whole street."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
